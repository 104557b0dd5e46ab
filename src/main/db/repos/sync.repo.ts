import type { DbOrTx } from '../database';
import type { NewSyncSettings, SyncLocalType, SyncSettingsRow, SyncSettingsUpdate } from '../tables/sync.table';

/** Member statuses that travel as SCIM Users. */
export const TRAVELLING_STATUSES = ['accepted', 'deactivated'] as const;

export async function findSyncSettings(db: DbOrTx, organizationId: number): Promise<SyncSettingsRow | undefined> {
  return db.selectFrom('sync_settings').selectAll().where('organization_id', '=', organizationId).executeTakeFirst();
}

export async function insertSyncSettings(db: DbOrTx, values: NewSyncSettings): Promise<void> {
  await db.insertInto('sync_settings').values(values).execute();
}

export async function updateSyncSettings(db: DbOrTx, organizationId: number, set: SyncSettingsUpdate): Promise<void> {
  await db.updateTable('sync_settings').set(set).where('organization_id', '=', organizationId).execute();
}

/** Organizations whose sync is switched on and has a token. */
export async function enabledSyncOrganizations(db: DbOrTx): Promise<number[]> {
  const rows = await db.selectFrom('sync_settings').select('organization_id').where('enabled', '=', 1).where('token_enc', 'is not', null).execute();
  return rows.map((r) => r.organization_id);
}

/**
 * Takes the organization's push lease (one push at a time, across processes): succeeds when the
 * lease is free, ran out, or is already this owner's.
 */
export async function claimPushLease(db: DbOrTx, organizationId: number, owner: string, nowIso: string, untilIso: string): Promise<boolean> {
  const r = await db
    .updateTable('sync_settings')
    .set({ push_owner: owner, push_lease_until: untilIso })
    .where('organization_id', '=', organizationId)
    .where((eb) => eb.or([eb('push_lease_until', 'is', null), eb('push_lease_until', '<', nowIso), eb('push_owner', '=', owner)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function releasePushLease(db: DbOrTx, organizationId: number, owner: string): Promise<void> {
  await db.updateTable('sync_settings').set({ push_owner: null, push_lease_until: null }).where('organization_id', '=', organizationId).where('push_owner', '=', owner).execute();
}

// ---- the dirty queue ----

export interface DirtyRow {
  id: number;
  local_type: SyncLocalType;
  local_id: number;
}

export async function dirtyRows(db: DbOrTx, organizationId: number, limit: number): Promise<DirtyRow[]> {
  return db.selectFrom('sync_dirty').select(['id', 'local_type', 'local_id']).where('organization_id', '=', organizationId).orderBy('id').limit(limit).execute();
}

export async function deleteDirtyUpTo(db: DbOrTx, organizationId: number, maxId: number): Promise<void> {
  await db.deleteFrom('sync_dirty').where('organization_id', '=', organizationId).where('id', '<=', maxId).execute();
}

/**
 * Does a queued change reach this group? Its own row, a member row of someone in it (their
 * membership or attributes changed), or for a sub-account a row of itself or an ancestor (its path).
 */
export async function isGroupDirty(db: DbOrTx, organizationId: number, localType: 'role' | 'account', localId: number, accountIds: number[] = []): Promise<boolean> {
  const r = await db
    .selectFrom('sync_dirty')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where((eb) =>
      eb.or([
        localType === 'role'
          ? eb.and([eb('local_type', '=', 'role'), eb('local_id', '=', localId)])
          : eb.and([eb('local_type', '=', 'account'), eb('local_id', 'in', [localId, ...accountIds])]),
        eb.and([
          eb('local_type', '=', 'member'),
          eb(
            'local_id',
            'in',
            localType === 'role'
              ? eb.selectFrom('member_role').select('member_id').where('role_id', '=', localId)
              : eb.selectFrom('member_account').select('member_id').where('account_id', '=', localId),
          ),
        ]),
      ]),
    )
    .limit(1)
    .executeTakeFirst();
  return !!r;
}

export async function countDirty(db: DbOrTx, organizationId: number): Promise<number> {
  const r = await db.selectFrom('sync_dirty').select((eb) => eb.fn.countAll<number>().as('n')).where('organization_id', '=', organizationId).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Queues every member, role and sub-account of the organization: the first full push. */
export async function enqueueEverything(db: DbOrTx, organizationId: number): Promise<void> {
  await db
    .insertInto('sync_dirty')
    .columns(['organization_id', 'local_type', 'local_id'])
    .expression((eb) => eb.selectFrom('member').select((s) => [s.val(organizationId).as('o'), s.val('member').as('t'), 'id']).where('organization_id', '=', organizationId).where('status', 'in', TRAVELLING_STATUSES).orderBy('id'))
    .execute();
  await db
    .insertInto('sync_dirty')
    .columns(['organization_id', 'local_type', 'local_id'])
    .expression((eb) => eb.selectFrom('role').select((s) => [s.val(organizationId).as('o'), s.val('role').as('t'), 'id']).where('organization_id', '=', organizationId).orderBy('id'))
    .execute();
  await db
    .insertInto('sync_dirty')
    .columns(['organization_id', 'local_type', 'local_id'])
    .expression((eb) => eb.selectFrom('account').select((s) => [s.val(organizationId).as('o'), s.val('account').as('t'), 'id']).where('organization_id', '=', organizationId).where('parent_id', 'is not', null).orderBy('id'))
    .execute();
}

// ---- what the mapping reads ----

export interface SyncMemberRow {
  id: number;
  email: string;
  name: string | null;
  phone: string | null;
  status: string;
}

export async function membersForSync(db: DbOrTx, organizationId: number, ids: number[]): Promise<SyncMemberRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('member').select(['id', 'email', 'name', 'phone', 'status']).where('organization_id', '=', organizationId).where('id', 'in', ids).execute();
}

/** The roles and sub-accounts a member belongs to (whose groups list them). */
export async function groupsOfMembers(db: DbOrTx, memberIds: number[]): Promise<{ roles: number[]; accounts: number[] }> {
  if (memberIds.length === 0) return { roles: [], accounts: [] };
  const roles = await db.selectFrom('member_role').select('role_id').distinct().where('member_id', 'in', memberIds).execute();
  const accounts = await db.selectFrom('member_account').select('account_id').distinct().where('member_id', 'in', memberIds).execute();
  return { roles: roles.map((r) => r.role_id), accounts: accounts.map((a) => a.account_id) };
}

export async function rolesForSync(db: DbOrTx, organizationId: number, ids: number[]): Promise<{ id: number; name: string }[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('role').select(['id', 'name']).where('organization_id', '=', organizationId).where('id', 'in', ids).execute();
}

/** Members of the given roles that travel (Active or Deactivated), by role. */
export async function roleMemberIds(db: DbOrTx, roleIds: number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>(roleIds.map((id) => [id, []]));
  if (roleIds.length === 0) return out;
  const rows = await db
    .selectFrom('member_role')
    .innerJoin('member', 'member.id', 'member_role.member_id')
    .select(['member_role.role_id as g', 'member.id as m'])
    .distinct()
    .where('member_role.role_id', 'in', roleIds)
    .where('member.status', 'in', TRAVELLING_STATUSES)
    .orderBy('member.id')
    .execute();
  for (const r of rows) out.get(r.g)?.push(r.m);
  return out;
}

export async function accountsForSync(db: DbOrTx, organizationId: number): Promise<{ id: number; name: string; parent_id: number | null }[]> {
  return db.selectFrom('account').select(['id', 'name', 'parent_id']).where('organization_id', '=', organizationId).orderBy('id').execute();
}

/** Members with access to the given sub-accounts that travel, by account. */
export async function accountMemberIds(db: DbOrTx, accountIds: number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>(accountIds.map((id) => [id, []]));
  if (accountIds.length === 0) return out;
  const rows = await db
    .selectFrom('member_account')
    .innerJoin('member', 'member.id', 'member_account.member_id')
    .select(['member_account.account_id as g', 'member.id as m'])
    .where('member_account.account_id', 'in', accountIds)
    .where('member.status', 'in', TRAVELLING_STATUSES)
    .orderBy('member.id')
    .execute();
  for (const r of rows) out.get(r.g)?.push(r.m);
  return out;
}

/** Whether a change of this object is queued and not yet folded into its sync object. */
export async function isDirty(db: DbOrTx, organizationId: number, localType: SyncLocalType, localId: number): Promise<boolean> {
  const r = await db.selectFrom('sync_dirty').select('id').where('organization_id', '=', organizationId).where('local_type', '=', localType).where('local_id', '=', localId).limit(1).executeTakeFirst();
  return !!r;
}
