import type { Selectable } from 'kysely';
import type { MemberStatus } from '../../../shared/statuses';

/** Members per status and organization, kept by triggers (migration 0006). */
export interface MemberCountTable {
  organization_id: number;
  status: MemberStatus;
  n: number;
}
export type MemberCount = Selectable<MemberCountTable>;

/** Live members with access to, or a role or permission at, each account; kept by triggers (migration 0008). */
export interface AccountMemberCountTable {
  account_id: number;
  n: number;
}

/** Live members holding each role (at any account); kept by triggers (migration 0008). */
export interface RoleMemberCountTable {
  role_id: number;
  n: number;
}
