import type { Insertable, Selectable } from 'kysely';

/** Access to a sub-account. */
export interface MemberAccountTable {
  member_id: number;
  account_id: number;
}
export type MemberAccount = Selectable<MemberAccountTable>;
export type NewMemberAccount = Insertable<MemberAccountTable>;
