import type { DbOrTx } from '../database';
import type { NewRole, Role } from '../tables/role.table';
import { memberHoldsAnyOf } from './grants.repo';

export async function insertRole(db: DbOrTx, row: NewRole, permissions: string[]): Promise<Role> {
  const role = await db.insertInto('role').values(row).returningAll().executeTakeFirstOrThrow();
  if (permissions.length)
    await db.insertInto('role_permission').values(permissions.map((permission) => ({ role_id: role.id, permission }))).execute();
  return role;
}

export async function listRoles(db: DbOrTx, organizationId: number): Promise<Role[]> {
  return db.selectFrom('role').selectAll().where('organization_id', '=', organizationId).orderBy('id').execute();
}

export async function findBuiltinRole(db: DbOrTx, organizationId: number, builtin: string): Promise<Role> {
  return db
    .selectFrom('role')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('builtin', '=', builtin)
    .executeTakeFirstOrThrow();
}

export async function rolePermissions(db: DbOrTx, roleIds: number[]): Promise<{ role_id: number; permission: string }[]> {
  if (roleIds.length === 0) return [];
  return db.selectFrom('role_permission').selectAll().where('role_id', 'in', roleIds).execute();
}

/** Each role of the organization with its permissions (roles without any are absent). */
export async function permissionsByRole(db: DbOrTx, organizationId: number): Promise<Map<number, string[]>> {
  const rows = await db
    .selectFrom('role_permission as rp')
    .innerJoin('role as r', 'r.id', 'rp.role_id')
    .select(['rp.role_id', 'rp.permission'])
    .where('r.organization_id', '=', organizationId)
    .execute();
  const out = new Map<number, string[]>();
  for (const r of rows) {
    const list = out.get(r.role_id);
    if (list) list.push(r.permission);
    else out.set(r.role_id, [r.permission]);
  }
  return out;
}

/** Live (not deleted) members holding each role of the organization (a counter kept by triggers). */
export async function roleMemberCounts(db: DbOrTx, organizationId: number): Promise<{ role_id: number; n: number }[]> {
  return db
    .selectFrom('role_member_count')
    .innerJoin('role', 'role.id', 'role_member_count.role_id')
    .select(['role_member_count.role_id', 'role_member_count.n'])
    .where('role.organization_id', '=', organizationId)
    .execute();
}

/** Live (not deleted) members holding one role (a counter kept by triggers). */
export async function countRoleHolders(db: DbOrTx, roleId: number): Promise<number> {
  const row = await db.selectFrom('role_member_count').select('n').where('role_id', '=', roleId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function memberHoldsRole(db: DbOrTx, memberId: number, roleId: number): Promise<boolean> {
  const held = await db.selectFrom('member_role').select('role_id').where('member_id', '=', memberId).where('role_id', '=', roleId).executeTakeFirst();
  return held !== undefined;
}

export async function renameRole(db: DbOrTx, id: number, name: string): Promise<void> {
  await db.updateTable('role').set({ name }).where('id', '=', id).execute();
}

/** Deletes a role and every grant of it. */
export async function deleteRole(db: DbOrTx, id: number): Promise<void> {
  await db.deleteFrom('member_role').where('role_id', '=', id).execute();
  await db.deleteFrom('role').where('id', '=', id).execute();
}

export async function replaceRolePermissions(db: DbOrTx, roleId: number, permissions: string[]): Promise<void> {
  await db.deleteFrom('role_permission').where('role_id', '=', roleId).execute();
  if (permissions.length) await db.insertInto('role_permission').values(permissions.map((permission) => ({ role_id: roleId, permission }))).execute();
}

export async function grantPermissionToRoles(db: DbOrTx, roleIds: number[], permission: string): Promise<void> {
  if (roleIds.length) await db.insertInto('role_permission').values(roleIds.map((role_id) => ({ role_id, permission }))).execute();
}

/** Takes a permission from these roles; returns the ids of those that held it. */
export async function takePermissionFromRoles(db: DbOrTx, roleIds: number[], permission: string): Promise<number[]> {
  const holders = await db.selectFrom('role_permission').select('role_id').where('permission', '=', permission).where('role_id', 'in', roleIds).execute();
  await db.deleteFrom('role_permission').where('permission', '=', permission).where('role_id', 'in', roleIds).execute();
  return holders.map((h) => h.role_id);
}

/**
 * Moves a role on from `version` to the next one, only if no other admin saved it in between:
 * false when the copy was stale. Under PostgreSQL's row lock a racing save waits, then finds it moved.
 * Permission changes touch role_permission only, so a save claims the role's version this way.
 */
export async function claimRoleVersion(db: DbOrTx, id: number, version: number): Promise<boolean> {
  const r = await db.updateTable('role').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', id).where('version', '=', version).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function setRoleDescription(db: DbOrTx, id: number, description: string): Promise<void> {
  await db.updateTable('role').set({ description }).where('id', '=', id).execute();
}

export interface RoleHolder {
  member_id: number;
  name: string | null;
  email: string;
  status: string;
  account_id: number;
}

/**
 * Live (not deleted) members holding a role, one row per account where they hold it, by name then
 * email; only grants at `accountIds` unless 'all'. At most `limit` rows, and how many there are.
 */
export async function roleHolders(db: DbOrTx, roleId: number, accountIds: number[] | 'all', limit: number): Promise<{ rows: RoleHolder[]; total: number }> {
  if (accountIds !== 'all' && accountIds.length === 0) return { rows: [], total: 0 };
  let q = db
    .selectFrom('member_role')
    .innerJoin('member', 'member.id', 'member_role.member_id')
    .where('member_role.role_id', '=', roleId)
    .where('member.status', '<>', 'deleted');
  if (accountIds !== 'all') q = q.where('member_role.account_id', 'in', accountIds);
  const rows = await q
    .select(['member.id as member_id', 'member.name', 'member.email', 'member.status', 'member_role.account_id'])
    // The same order on SQLite and PostgreSQL: no NULL names first or last, no case-sensitive collation.
    .orderBy((eb) => eb.fn('lower', [eb.fn.coalesce('member.name', 'member.email_normalized')]))
    .orderBy('member.email_normalized')
    .orderBy('member_role.account_id')
    .limit(limit)
    .execute();
  const counted = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return { rows, total: Number(counted?.n ?? 0) };
}

/**
 * A live (not deleted) holder of the role who holds, through any role or single permission at any
 * account, one of `permissions`: the first by email, and how many such holders there are. Used to
 * refuse a role edit by someone those holders outrank (one query, however many hold the role).
 */
export async function holderWithAnyOf(db: DbOrTx, roleId: number, permissions: string[]): Promise<{ email: string; total: number } | undefined> {
  if (permissions.length === 0) return undefined;
  const q = db
    .selectFrom('member_role')
    .innerJoin('member', 'member.id', 'member_role.member_id')
    .where('member_role.role_id', '=', roleId)
    .where('member.status', '<>', 'deleted')
    .where(memberHoldsAnyOf(permissions));
  const first = await q.select('member.email').orderBy('member.email_normalized').limit(1).executeTakeFirst();
  if (!first) return undefined;
  const counted = await q.select((eb) => eb.fn.count<number>('member.id').distinct().as('n')).executeTakeFirst();
  return { email: first.email, total: Number(counted?.n ?? 1) };
}
