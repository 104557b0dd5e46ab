import type { Insertable, Selectable } from 'kysely';

/** A role granted to a member at an account (the company account or a sub-account). */
export interface MemberRoleTable {
  member_id: number;
  role_id: number;
  account_id: number;
}
export type MemberRole = Selectable<MemberRoleTable>;
export type NewMemberRole = Insertable<MemberRoleTable>;
