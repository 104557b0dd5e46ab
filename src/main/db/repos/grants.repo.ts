import { sql, type RawBuilder } from 'kysely';
import type { DbOrTx } from '../database';
import type { NewMemberAccount } from '../tables/member_account.table';
import type { NewMemberPermission } from '../tables/member_permission.table';
import type { NewMemberRole } from '../tables/member_role.table';
import { chunks, insertCompiledOnce, rowsPerStatement } from './util';

export async function insertMemberRoles(db: DbOrTx, rows: NewMemberRole[]): Promise<void> {
  await insertCompiledOnce(db, rows, 3, (part) => db.insertInto('member_role').values(part).onConflict((oc) => oc.doNothing()));
}

export async function insertMemberPermissions(db: DbOrTx, rows: NewMemberPermission[]): Promise<void> {
  for (const part of chunks(rows, rowsPerStatement(3)))
    await db.insertInto('member_permission').values(part).onConflict((oc) => oc.doNothing()).execute();
}

export async function insertMemberAccounts(db: DbOrTx, rows: NewMemberAccount[]): Promise<void> {
  for (const part of chunks(rows, rowsPerStatement(2)))
    await db.insertInto('member_account').values(part).onConflict((oc) => oc.doNothing()).execute();
}

export async function replaceMemberRoles(db: DbOrTx, memberId: number, rows: NewMemberRole[]): Promise<void> {
  await db.deleteFrom('member_role').where('member_id', '=', memberId).execute();
  await insertMemberRoles(db, rows);
}

export async function replaceMemberPermissions(db: DbOrTx, memberId: number, rows: NewMemberPermission[]): Promise<void> {
  await db.deleteFrom('member_permission').where('member_id', '=', memberId).execute();
  await insertMemberPermissions(db, rows);
}

export async function replaceMemberAccounts(db: DbOrTx, memberId: number, rows: NewMemberAccount[]): Promise<void> {
  await db.deleteFrom('member_account').where('member_id', '=', memberId).execute();
  await insertMemberAccounts(db, rows);
}

export interface GrantRow {
  member_id: number;
  permission: string;
  account_id: number;
  /** Role name, or null for an extra single permission. */
  role_name: string | null;
  role_id: number | null;
}

/** Every permission the members hold, with where it comes from. */
export async function grantsOfMembers(db: DbOrTx, memberIds: number[]): Promise<GrantRow[]> {
  if (memberIds.length === 0) return [];
  const fromRoles = await db
    .selectFrom('member_role')
    .innerJoin('role', 'role.id', 'member_role.role_id')
    .innerJoin('role_permission', 'role_permission.role_id', 'role.id')
    .select(['member_role.member_id', 'role_permission.permission', 'member_role.account_id', 'role.name as role_name', 'role.id as role_id'])
    .where('member_role.member_id', 'in', memberIds)
    .execute();
  const single = await db
    .selectFrom('member_permission')
    .select(['member_id', 'permission', 'account_id'])
    .where('member_id', 'in', memberIds)
    .execute();
  return [...fromRoles, ...single.map((s) => ({ ...s, role_name: null, role_id: null }))];
}

export async function rolesOfMembers(db: DbOrTx, memberIds: number[]) {
  if (memberIds.length === 0) return [];
  const out = [];
  for (const part of chunks(memberIds, 5000))
    out.push(
      ...(await db
        .selectFrom('member_role')
        .innerJoin('role', 'role.id', 'member_role.role_id')
        .select(['member_role.member_id', 'member_role.role_id', 'member_role.account_id', 'role.name', 'role.builtin'])
        .where('member_role.member_id', 'in', part)
        .execute()),
    );
  return out;
}

export async function accountsOfMembers(db: DbOrTx, memberIds: number[]) {
  if (memberIds.length === 0) return [];
  const out = [];
  for (const part of chunks(memberIds, 5000))
    out.push(...(await db.selectFrom('member_account').selectAll().where('member_id', 'in', part).execute()));
  return out;
}

export async function permissionsOfMembers(db: DbOrTx, memberIds: number[]) {
  if (memberIds.length === 0) return [];
  return db.selectFrom('member_permission').selectAll().where('member_id', 'in', memberIds).execute();
}

/** Where each of a member's permissions is held (through roles or singly), and the accounts they have access to. */
export async function grantScopesOfMember(db: DbOrTx, memberId: number): Promise<{ permissions: { account_id: number; permission: string }[]; accountIds: number[] }> {
  const roleGrants = await db
    .selectFrom('member_role')
    .innerJoin('role_permission', 'role_permission.role_id', 'member_role.role_id')
    .select(['member_role.account_id', 'role_permission.permission'])
    .where('member_role.member_id', '=', memberId)
    .execute();
  const single = await db.selectFrom('member_permission').select(['account_id', 'permission']).where('member_id', '=', memberId).execute();
  const access = await db.selectFrom('member_account').select('account_id').where('member_id', '=', memberId).execute();
  return { permissions: [...roleGrants, ...single], accountIds: access.map((a) => a.account_id) };
}

/** One of these roles held by one of these members at an account other than `exceptAccountId`, if any. */
export async function findRoleHeldElsewhere(db: DbOrTx, memberIds: number[], roleIds: number[], exceptAccountId: number) {
  return db
    .selectFrom('member_role')
    .select(['member_id', 'role_id', 'account_id'])
    .where('member_id', 'in', memberIds)
    .where('role_id', 'in', roleIds)
    .where('account_id', '<>', exceptAccountId)
    .executeTakeFirst();
}

/** Removes a member's roles at one account; returns the role ids it held there. */
export async function takeMemberRolesAt(db: DbOrTx, memberId: number, accountId: number): Promise<number[]> {
  const before = await db.selectFrom('member_role').select('role_id').where('member_id', '=', memberId).where('account_id', '=', accountId).execute();
  await db.deleteFrom('member_role').where('member_id', '=', memberId).where('account_id', '=', accountId).execute();
  return before.map((b) => b.role_id);
}

/**
 * The enclosing query's `member` row holds one of `permissions` (non-empty), through a role or singly,
 * at any account: whom a rank rule protects (roles.repo.ts holderWithAnyOf, accounts.repo.ts grantHolderWithAnyOf).
 */
export function memberHoldsAnyOf(permissions: string[]): RawBuilder<boolean> {
  const listed = sql.join(permissions);
  return sql<boolean>`(EXISTS (SELECT 1 FROM member_role held JOIN role_permission rp ON rp.role_id = held.role_id WHERE held.member_id = member.id AND rp.permission IN (${listed}))
    OR EXISTS (SELECT 1 FROM member_permission single WHERE single.member_id = member.id AND single.permission IN (${listed})))`;
}
