import type { DbOrTx } from '../database';
import type { NewRole, Role } from '../tables/role.table';

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
