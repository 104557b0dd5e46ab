import type { Insertable, Selectable } from 'kysely';

export interface RolePermissionTable {
  role_id: number;
  permission: string;
}
export type RolePermission = Selectable<RolePermissionTable>;
export type NewRolePermission = Insertable<RolePermissionTable>;
