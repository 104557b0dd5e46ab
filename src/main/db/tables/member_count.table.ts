import type { Selectable } from 'kysely';
import type { MemberStatus } from '../../../shared/statuses';

/** Members per status and organization, kept by triggers (migration 0006). */
export interface MemberCountTable {
  organization_id: number;
  status: MemberStatus;
  n: number;
}
export type MemberCount = Selectable<MemberCountTable>;
