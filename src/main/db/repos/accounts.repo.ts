import type { DbOrTx } from '../database';
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
