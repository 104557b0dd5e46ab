import type { DbOrTx } from '../database';
import type { Account, NewAccount } from '../tables/account.table';
import { memberHoldsAnyOf } from './grants.repo';
import { chunks, rowsPerStatement } from './util';

export async function insertAccount(db: DbOrTx, row: NewAccount): Promise<Account> {
  return db.insertInto('account').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function listAccounts(db: DbOrTx, organizationId: number): Promise<Account[]> {
  return db.selectFrom('account').selectAll().where('organization_id', '=', organizationId).orderBy('id').execute();
}

export async function findRootAccount(db: DbOrTx, organizationId: number): Promise<Account> {
  return db
    .selectFrom('account')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('parent_id', 'is', null)
    .executeTakeFirstOrThrow();
}

export async function updateAccount(db: DbOrTx, id: number, patch: { name?: string; parent_id?: number }): Promise<void> {
  await db.updateTable('account').set(patch).where('id', '=', id).execute();
}

/** Takes the version an admin's copy was read at; false when another save got there first (team mode). */
export async function claimAccountVersion(db: DbOrTx, id: number, version: number): Promise<boolean> {
  const r = await db.updateTable('account').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', id).where('version', '=', version).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteAccount(db: DbOrTx, id: number): Promise<void> {
  await db.deleteFrom('account').where('id', '=', id).execute();
}

/** For each account of the organization, its live members with access to it or granted something there (a counter kept by triggers). */
export async function accountMemberCounts(db: DbOrTx, organizationId: number): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('account_member_count')
    .innerJoin('account', 'account.id', 'account_member_count.account_id')
    .select(['account_member_count.account_id', 'account_member_count.n'])
    .where('account.organization_id', '=', organizationId)
    .execute();
  return new Map(rows.map((r) => [r.account_id, Number(r.n)]));
}

/** The live members with access to, or a grant at, one account (a counter kept by triggers). */
export async function accountMemberCount(db: DbOrTx, accountId: number): Promise<number> {
  const row = await db.selectFrom('account_member_count').select('n').where('account_id', '=', accountId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Members (any status) with access to, or a grant at, this account. */
export async function membersTiedToAccount(db: DbOrTx, organizationId: number, accountId: number): Promise<{ id: number; email: string }[]> {
  return db
    .selectFrom('member')
    .select(['id', 'email'])
    .where('organization_id', '=', organizationId)
    .where((eb) =>
      eb.or([
        eb('id', 'in', eb.selectFrom('member_account').select('member_id').where('account_id', '=', accountId)),
        eb('id', 'in', eb.selectFrom('member_role').select('member_id').where('account_id', '=', accountId)),
        eb('id', 'in', eb.selectFrom('member_permission').select('member_id').where('account_id', '=', accountId)),
      ]),
    )
    .execute();
}

/**
 * Access to one account becomes access to another (kept once where a member had both: those rows
 * stay behind and go with the account's other grants). Portable: no SQLite-only UPDATE OR IGNORE.
 */
export async function moveAccountAccess(db: DbOrTx, fromAccountId: number, toAccountId: number): Promise<void> {
  await db
    .updateTable('member_account')
    .set({ account_id: toAccountId })
    .where('account_id', '=', fromAccountId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('member_account as other')
            .select('other.member_id')
            .whereRef('other.member_id', '=', 'member_account.member_id')
            .where('other.account_id', '=', toAccountId),
        ),
      ),
    )
    .execute();
}

/** Removes every access, role and permission granted at this account. */
export async function deleteGrantsAt(db: DbOrTx, accountId: number): Promise<void> {
  for (const t of ['member_account', 'member_role', 'member_permission'] as const) await db.deleteFrom(t).where('account_id', '=', accountId).execute();
}

/** Of these members, the live ones left without any role. */
export async function liveMembersWithoutRole(db: DbOrTx, memberIds: number[]): Promise<{ id: number }[]> {
  const out: { id: number }[] = [];
  // A slice at a time: a sub-account of 40,000 members is more ids than one statement may bind.
  for (const part of chunks(memberIds, rowsPerStatement(1))) {
    out.push(
      ...(await db
        .selectFrom('member')
        .select('id')
        .where('id', 'in', part)
        .where('status', '<>', 'deleted')
        .where('id', 'not in', (eb) => eb.selectFrom('member_role').select('member_id'))
        .execute()),
    );
  }
  return out;
}

/**
 * A live (not deleted) member other than `exceptMemberId` (the admin asking) with a role or single
 * permission granted at this account who holds, through any role or single permission anywhere, one
 * of `permissions`: the first by email, and how many there are (one query, however many hold grants there).
 */
export async function grantHolderWithAnyOf(db: DbOrTx, accountId: number, permissions: string[], exceptMemberId: number): Promise<{ email: string; total: number } | undefined> {
  if (permissions.length === 0) return undefined;
  const q = db
    .selectFrom('member')
    .where('member.status', '<>', 'deleted')
    .where('member.id', '<>', exceptMemberId)
    .where((eb) =>
      eb.or([
        eb('member.id', 'in', eb.selectFrom('member_role').select('member_role.member_id').where('member_role.account_id', '=', accountId)),
        eb('member.id', 'in', eb.selectFrom('member_permission').select('member_permission.member_id').where('member_permission.account_id', '=', accountId)),
      ]),
    )
    .where(memberHoldsAnyOf(permissions));
  const first = await q.select('member.email').orderBy('member.email_normalized').limit(1).executeTakeFirst();
  if (!first) return undefined;
  const counted = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return { email: first.email, total: Number(counted?.n ?? 1) };
}
