import type { Insertable, Selectable } from 'kysely';

/** An extra single permission granted to a member at an account. */
export interface MemberPermissionTable {
  member_id: number;
  permission: string;
  account_id: number;
}
export type MemberPermission = Selectable<MemberPermissionTable>;
export type NewMemberPermission = Insertable<MemberPermissionTable>;
