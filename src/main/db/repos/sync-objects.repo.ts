import { CompiledQuery, sql } from 'kysely';
import { dialectOf } from '../dialect';
import type { DbOrTx } from '../database';
import { insertCompiledOnce } from './util';
import type { NewSyncObject, SyncLocalType, SyncObjectRow, SyncObjectState, SyncObjectUpdate } from '../tables/sync.table';

export async function syncObjectsByLocal(db: DbOrTx, organizationId: number, localType: SyncLocalType, ids: number[]): Promise<SyncObjectRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('sync_object').selectAll().where('organization_id', '=', organizationId).where('local_type', '=', localType).where('local_id', 'in', ids).execute();
}

export async function insertSyncObjects(db: DbOrTx, rows: NewSyncObject[]): Promise<void> {
  // Compiled once per chunk size: Kysely's building of a 500-row insert cost more than running it.
  await insertCompiledOnce(db, rows, 9, (part) => db.insertInto('sync_object').values(part));
}

export async function markSyncObjectsPending(db: DbOrTx, ids: number[], nowIso: string): Promise<void> {
  for (let i = 0; i < ids.length; i += 500)
    await db.updateTable('sync_object').set({ state: 'pending', attempts: 0, next_retry_at: null, updated_at: nowIso }).where('id', 'in', ids.slice(i, i + 500)).execute();
}

/** Objects due for a push: pending, blocked, failed whose retry time came, or in flight whose lease ran out (a crash). */
export async function dueSyncObjects(db: DbOrTx, organizationId: number, nowIso: string): Promise<SyncObjectRow[]> {
  return db
    .selectFrom('sync_object')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where((eb) =>
      eb.or([
        eb('state', 'in', ['pending', 'blocked']),
        eb.and([eb('state', '=', 'failed'), eb('next_retry_at', 'is not', null), eb('next_retry_at', '<=', nowIso)]),
        eb.and([eb('state', '=', 'in_flight'), eb('lease_until', '<', nowIso)]),
      ]),
    )
    .orderBy('id')
    .execute();
}

export async function updateSyncObject(db: DbOrTx, id: number, set: SyncObjectUpdate): Promise<void> {
  await db.updateTable('sync_object').set(set).where('id', '=', id).execute();
}

export async function updateSyncObjects(db: DbOrTx, ids: number[], set: SyncObjectUpdate): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) await db.updateTable('sync_object').set(set).where('id', 'in', ids.slice(i, i + 500)).execute();
}

export interface SyncedWrite {
  id: number;
  remote_id: string | null;
  written_json: string | null;
}

const SYNCED_CHUNK = 200;
/** The SQL of markSyncObjectsSynced's statement, by dialect: built by Kysely once, then run with each batch's values. */
const syncedSql = new Map<string, string>();

/**
 * Many objects synced at once (a push records its outcomes in batches): one UPDATE per 200 objects,
 * each object's remote id and written copy picked by a CASE on its id, the rest the same for all.
 * A shorter batch is padded with its last row again (a repeated WHEN or id changes nothing), so
 * there is one statement text, prepared once, and built by Kysely once per process.
 */
export async function markSyncObjectsSynced(db: DbOrTx, rows: SyncedWrite[], nowIso: string): Promise<void> {
  for (let i = 0; i < rows.length; i += SYNCED_CHUNK) {
    const part = rows.slice(i, i + SYNCED_CHUNK);
    while (part.length < SYNCED_CHUNK) part.push(part[part.length - 1]!);
    const params: unknown[] = ['synced'];
    for (const r of part) params.push(r.id, r.remote_id);
    for (const r of part) params.push(r.id, r.written_json);
    params.push(null, null, null, 0, null, null, nowIso, nowIso);
    for (const r of part) params.push(r.id);
    const dialect = dialectOf(db);
    const known = syncedSql.get(dialect);
    if (known !== undefined) {
      await db.executeQuery(CompiledQuery.raw(known, params));
      continue;
    }
    const pick = (column: 'remote_id' | 'written_json') => sql<string | null>`CASE id ${sql.join(part.map((r) => sql`WHEN ${r.id} THEN ${r[column]}`), sql` `)} END`;
    const compiled = db
      .updateTable('sync_object')
      .set({ state: 'synced', remote_id: pick('remote_id'), written_json: pick('written_json'), status: null, scim_type: null, detail: null, attempts: 0, next_retry_at: null, lease_until: null, synced_at: nowIso, updated_at: nowIso })
      .where('id', 'in', part.map((r) => r.id))
      .compile();
    // Reused only when its parameters are exactly the ones computed above (else built every time).
    if (compiled.parameters.length === params.length && compiled.parameters.every((p, k) => p === params[k])) syncedSql.set(dialect, compiled.sql);
    await db.executeQuery(compiled);
  }
}

export async function findSyncObject(db: DbOrTx, organizationId: number, id: number): Promise<SyncObjectRow | undefined> {
  return db.selectFrom('sync_object').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
}

export async function syncObjectsOfKind(db: DbOrTx, organizationId: number, kind: 'user' | 'group', localIds?: number[]): Promise<SyncObjectRow[]> {
  let q = db.selectFrom('sync_object').selectAll().where('organization_id', '=', organizationId).where('kind', '=', kind);
  if (localIds) {
    if (localIds.length === 0) return [];
    q = q.where('local_id', 'in', localIds);
  }
  return q.execute();
}

export async function listSyncObjects(db: DbOrTx, organizationId: number, opts: { state?: SyncObjectState; limit: number; offset: number }): Promise<SyncObjectRow[]> {
  let q = db.selectFrom('sync_object').selectAll().where('organization_id', '=', organizationId);
  if (opts.state) q = q.where('state', '=', opts.state);
  return q.orderBy('kind', 'desc').orderBy('label').orderBy('id').limit(opts.limit).offset(opts.offset).execute();
}

export async function countSyncObjectsByState(db: DbOrTx, organizationId: number): Promise<Record<string, number>> {
  const rows = await db.selectFrom('sync_object').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).where('organization_id', '=', organizationId).groupBy('state').execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/** Users the server holds (a remote id and not deleted there): the base of the mass-change guard. */
export async function countSyncedUsers(db: DbOrTx, organizationId: number): Promise<number> {
  const r = await db
    .selectFrom('sync_object')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId)
    .where('kind', '=', 'user')
    .where('remote_id', 'is not', null)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Groups waiting for a user become pending again once users moved. */
export async function unblockGroups(db: DbOrTx, organizationId: number, nowIso: string): Promise<void> {
  await db.updateTable('sync_object').set({ state: 'pending', updated_at: nowIso }).where('organization_id', '=', organizationId).where('state', '=', 'blocked').execute();
}

/** After a new token or the server came back: failed objects are due now. */
export async function makeFailedDue(db: DbOrTx, organizationId: number, nowIso: string): Promise<void> {
  await db.updateTable('sync_object').set({ next_retry_at: nowIso }).where('organization_id', '=', organizationId).where('state', '=', 'failed').execute();
}

/** Is anything due (cheap: the poll asks this before it contacts the server)? */
export async function hasDueSyncObjects(db: DbOrTx, organizationId: number, nowIso: string): Promise<boolean> {
  const r = await db
    .selectFrom('sync_object')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where((eb) =>
      eb.or([
        eb('state', 'in', ['pending', 'blocked']),
        eb.and([eb('state', '=', 'failed'), eb('next_retry_at', 'is not', null), eb('next_retry_at', '<=', nowIso)]),
        eb.and([eb('state', '=', 'in_flight'), eb('lease_until', '<', nowIso)]),
      ]),
    )
    .limit(1)
    .executeTakeFirst();
  return !!r;
}

/** The sync object of one local member, role or sub-account (at most one). */
export async function findSyncObjectByLocal(db: DbOrTx, organizationId: number, localType: SyncLocalType, localId: number): Promise<SyncObjectRow | undefined> {
  return db.selectFrom('sync_object').selectAll().where('organization_id', '=', organizationId).where('local_type', '=', localType).where('local_id', '=', localId).orderBy('id').executeTakeFirst();
}
