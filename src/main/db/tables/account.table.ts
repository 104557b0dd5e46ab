import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** The company account (no parent) and its sub-accounts, any depth. */
export interface AccountTable {
  id: Generated<number>;
  organization_id: number;
  parent_id: number | null;
  name: string;
  created_at: string;
  /** Bumped by a trigger on every update (migration 0011): a save from a stale copy is refused. */
  version: Generated<number>;
}
export type Account = Selectable<AccountTable>;
export type NewAccount = Insertable<AccountTable>;
export type AccountUpdate = Updateable<AccountTable>;
