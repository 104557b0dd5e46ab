import { sql } from 'kysely';
import type { DbOrTx } from '../database';
import { byDialect } from '../dialect';
import { executeCompiledOnce } from './compiled';
import { grantsOfMemberJson, jsonArrayFrom, parsed } from './json';
import type { MemberStatus } from '../../../shared/statuses';
import type { ConsoleSession } from '../tables/team_state.table';

/** Console sessions (migration 0013), by the SHA-256 of their token. */

export async function insertSession(db: DbOrTx, row: Omit<ConsoleSession, 'ended_at' | 'ended_reason'>): Promise<void> {
  await db.insertInto('console_session').values({ ...row, ended_at: null, ended_reason: null }).execute();
}

/**
 * The session behind a token hash with its organization's idle lock, in one indexed query (the
 * primary key, then the organization's): every console call makes it.
 */
export async function findSession(db: DbOrTx, tokenHash: string): Promise<(ConsoleSession & { idle_lock_minutes: number | null }) | undefined> {
  return db
    .selectFrom('console_session as s')
    .leftJoin('organization as o', 'o.id', 's.organization_id')
    .selectAll('s')
    .select('o.idle_lock_minutes')
    .where('s.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** A console session with everything a call needs to authorize its caller. */
export interface SessionWithAuthz extends ConsoleSession {
  idle_lock_minutes: number | null;
  /** The person's member in the session's organization (not deleted), if any. */
  member_id: number | null;
  member_status: MemberStatus | null;
  /** The member's permissions through roles, and singly (role_name null). */
  grants: { permission: string; account_id: number; role_name: string | null }[];
  /** The organization's account tree. */
  accounts: { id: number; parent_id: number | null; name: string }[];
}

/**
 * Every console call starts here: the session behind a token hash, its organization's idle lock,
 * the person's member there, that member's grants and the organization's accounts, in one query
 * (one round trip on PostgreSQL instead of five in a row). The SQLite file's copy is kept per session
 * while nothing it is read from changes (services/sessions.ts, db/authz-watch.ts: keep its table list
 * in step with this query); on PostgreSQL it is read every call, so a role taken away in another
 * process counts at the next call.
 */
export async function findSessionWithAuthz(db: DbOrTx, tokenHash: string): Promise<SessionWithAuthz | undefined> {
  const [row] = await executeCompiledOnce(db, 'findSessionWithAuthz', [tokenHash, 1], () => sessionWithAuthzQuery(db, tokenHash));
  if (!row) return undefined;
  return { ...row, member_status: row.member_status as MemberStatus | null, grants: parsed(row.grants), accounts: parsed(row.accounts) };
}

function sessionWithAuthzQuery(db: DbOrTx, tokenHash: string) {
  return db
    .selectFrom('console_session as s')
    .leftJoin('organization as o', 'o.id', 's.organization_id')
    // The member by its person (member_by_person): SQLite without statistics (the app never runs ANALYZE)
    // otherwise walks an (organization, …) index over every member of the organization, 28 ms at 100,000
    // on every call; the unary + keeps those indexes out of the join.
    .leftJoin('member as m', (j) =>
      j
        .onRef('m.person_id', '=', 's.person_id')
        .on(byDialect(db, { sqlite: () => sql<boolean>`+m.organization_id = s.organization_id`, postgres: () => sql<boolean>`m.organization_id = s.organization_id` }))
        .on('m.status', '<>', sql.lit('deleted')),
    )
    .selectAll('s')
    .select(['o.idle_lock_minutes', 'm.id as member_id', 'm.status as member_status'])
    .select((eb) => [
      grantsOfMemberJson(db, eb).as('grants'),
      jsonArrayFrom(db, eb.selectFrom('account as a').select(['a.id', 'a.parent_id', 'a.name']).whereRef('a.organization_id', '=', 's.organization_id').orderBy('a.id')).as('accounts'),
    ])
    .where('s.token_hash', '=', tokenHash)
    .orderBy('m.id')
    .limit(1);
}

/** Moves last_seen_at forward only (two processes touching at once never move it back). */
export async function touchSession(db: DbOrTx, tokenHash: string, lastSeenAt: string): Promise<void> {
  await db.updateTable('console_session').set({ last_seen_at: lastSeenAt }).where('token_hash', '=', tokenHash).where('last_seen_at', '<', lastSeenAt).execute();
}

export async function setSessionOrganization(db: DbOrTx, tokenHash: string, organizationId: number): Promise<void> {
  await db.updateTable('console_session').set({ organization_id: organizationId }).where('token_hash', '=', tokenHash).where('ended_at', 'is', null).execute();
}

/** Ends a live session, keeping why (shown on the sign-in page); false when it was not live. */
export async function endSession(db: DbOrTx, tokenHash: string, nowIso: string, reason: string | null): Promise<boolean> {
  if (reason === null) {
    const r = await db.deleteFrom('console_session').where('token_hash', '=', tokenHash).where('ended_at', 'is', null).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
  const r = await db.updateTable('console_session').set({ ended_at: nowIso, ended_reason: reason }).where('token_hash', '=', tokenHash).where('ended_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Ends every live session of a person; returns the hashes ended. */
export async function endSessionsOfPerson(db: DbOrTx, personId: number): Promise<string[]> {
  const rows = await db.deleteFrom('console_session').where('person_id', '=', personId).where('ended_at', 'is', null).returning('token_hash').execute();
  return rows.map((r) => r.token_hash);
}

/** Removes sessions unused since `seenBefore` and ended ones older than `endedBefore`. */
export async function sweepSessions(db: DbOrTx, seenBefore: string, endedBefore: string): Promise<number> {
  const idle = await db.deleteFrom('console_session').where('last_seen_at', '<', seenBefore).executeTakeFirst();
  const ended = await db.deleteFrom('console_session').where('ended_at', '<', endedBefore).executeTakeFirst();
  return Number(idle.numDeletedRows) + Number(ended.numDeletedRows);
}

/** Every session row, live and ended (a restore of the SQLite store carries them over). */
export async function allSessions(db: DbOrTx): Promise<ConsoleSession[]> {
  return db.selectFrom('console_session').selectAll().execute();
}

/**
 * A restore's store gets the running store's sessions instead of its own: none of the backup's
 * (an ended one must not come back to life), and of the running store's only those whose person is
 * in the restored store under the same address (anyone else signs in again). Returns how many live
 * sessions were put back.
 */
export async function replaceSessions(db: DbOrTx, rows: ConsoleSession[]): Promise<number> {
  await db.deleteFrom('console_session').execute();
  let n = 0;
  for (const row of rows) {
    const person = await db.selectFrom('person').select('id').where('id', '=', row.person_id).where('email', '=', row.email).executeTakeFirst();
    if (!person) continue;
    await db.insertInto('console_session').values(row).execute();
    if (row.ended_at === null) n++;
  }
  return n;
}
