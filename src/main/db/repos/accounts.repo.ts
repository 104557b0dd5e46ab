import { sql } from 'kysely';
import type { DbOrTx } from '../database';
import { byDialect } from '../dialect';
import type { Account, NewAccount } from '../tables/account.table';

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

export async function deleteAccount(db: DbOrTx, id: number): Promise<void> {
  await db.deleteFrom('account').where('id', '=', id).execute();
}

/** For each account, the live members with access to it or granted something there (one row per pair and source). */
export async function accountDependents(db: DbOrTx, organizationId: number): Promise<{ account_id: number; member_id: number }[]> {
  const live = (t: 'member_account' | 'member_role' | 'member_permission') =>
    db
      .selectFrom(t)
      .innerJoin('member', 'member.id', `${t}.member_id`)
      .select([`${t}.account_id as account_id`, 'member.id as member_id'])
      .where('member.organization_id', '=', organizationId)
      .where('member.status', '!=', 'deleted')
      .execute();
  return [...(await live('member_account')), ...(await live('member_role')), ...(await live('member_permission'))];
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

/** Access to one account becomes access to another (kept once where a member had both). */
export async function moveAccountAccess(db: DbOrTx, fromAccountId: number, toAccountId: number): Promise<void> {
  await byDialect(db, {
    sqlite: () => sql`UPDATE OR IGNORE member_account SET account_id = ${toAccountId} WHERE account_id = ${fromAccountId}`,
    // PostgreSQL has no UPDATE OR IGNORE: skip the rows that would collide (they stay, like SQLite leaves them).
    postgres: () => sql`UPDATE member_account SET account_id = ${toAccountId} WHERE account_id = ${fromAccountId}
      AND NOT EXISTS (SELECT 1 FROM member_account m2 WHERE m2.member_id = member_account.member_id AND m2.account_id = ${toAccountId})`,
  }).execute(db);
}

/** Removes every access, role and permission granted at this account. */
export async function deleteGrantsAt(db: DbOrTx, accountId: number): Promise<void> {
  for (const t of ['member_account', 'member_role', 'member_permission'] as const) await db.deleteFrom(t).where('account_id', '=', accountId).execute();
}

/** Of these members, the live ones left without any role. */
export async function liveMembersWithoutRole(db: DbOrTx, memberIds: number[]): Promise<{ id: number }[]> {
  if (memberIds.length === 0) return [];
  return db
    .selectFrom('member')
    .select('id')
    .where('id', 'in', memberIds)
    .where('status', '<>', 'deleted')
    .where('id', 'not in', (eb) => eb.selectFrom('member_role').select('member_id'))
    .execute();
}
