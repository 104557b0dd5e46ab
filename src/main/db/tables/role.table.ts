import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface RoleTable {
  id: Generated<number>;
  organization_id: number;
  name: string;
  /** 'owner' | 'admin' | 'member' for built-in roles, null for custom ones. */
  builtin: string | null;
  description: Generated<string>;
  created_at: string;
}
export type Role = Selectable<RoleTable>;
export type NewRole = Insertable<RoleTable>;
export type RoleUpdate = Updateable<RoleTable>;
