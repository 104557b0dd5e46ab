import type { DbOrTx } from '../database';
import type { NewProductModule, ProductModule } from '../tables/product_module.table';

export async function listModules(db: DbOrTx, organizationId: number): Promise<ProductModule[]> {
  return db.selectFrom('product_module').selectAll().where('organization_id', '=', organizationId).orderBy('id').execute();
}

export async function insertModules(db: DbOrTx, rows: NewProductModule[]): Promise<void> {
  await db.insertInto('product_module').values(rows).execute();
}

export async function insertModule(db: DbOrTx, row: NewProductModule): Promise<ProductModule> {
  return db.insertInto('product_module').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function deleteModule(db: DbOrTx, id: number): Promise<void> {
  await db.deleteFrom('product_module').where('id', '=', id).execute();
}

/** Members of the organization holding this permission on its own (not through a role). */
export async function membersHoldingPermission(db: DbOrTx, organizationId: number, permission: string): Promise<{ id: number; email: string }[]> {
  return db
    .selectFrom('member_permission')
    .innerJoin('member', 'member.id', 'member_permission.member_id')
    .select(['member.id', 'member.email'])
    .where('permission', '=', permission)
    .where('member.organization_id', '=', organizationId)
    .execute();
}

/** Takes a single permission from every member of the organization. */
export async function deleteMemberPermissionEverywhere(db: DbOrTx, organizationId: number, permission: string): Promise<void> {
  const memberIds = db.selectFrom('member').select('id').where('organization_id', '=', organizationId);
  await db.deleteFrom('member_permission').where('permission', '=', permission).where('member_id', 'in', memberIds).execute();
}
