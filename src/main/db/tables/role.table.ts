import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface RoleTable {
  id: Generated<number>;
  organization_id: number;
  name: string;
  /** 'owner' | 'admin' | 'member' for built-in roles, null for custom ones. */
  builtin: string | null;
  description: Generated<string>;
  created_at: string;
  /** Bumped by a trigger on every update (migration 0011): a save from a stale copy is refused. */
  version: Generated<number>;
}
export type Role = Selectable<RoleTable>;
export type NewRole = Insertable<RoleTable>;
export type RoleUpdate = Updateable<RoleTable>;
