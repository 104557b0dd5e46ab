import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { MemberStatus } from '../../../shared/statuses';

export interface MemberTable {
  id: Generated<number>;
  organization_id: number;
  person_id: number | null;
  /** As typed by the admin; `email_normalized` is what uniqueness and sign-in compare. */
  email: string;
  email_normalized: string;
  name: string | null;
  /** E.164 when it could be parsed, else as typed. */
  phone: string | null;
  /** Digits only, for searching by phone fragment. */
  phone_digits: string | null;
  status: MemberStatus;
  invited_by_member_id: number | null;
  invited_at: string | null;
  invite_expires_at: string | null;
  accepted_at: string | null;
  status_changed_at: string;
  created_at: string;
  updated_at: string;
  /** Bumped by a trigger on every update (migration 0011): a save from a stale copy is refused. */
  version: Generated<number>;
}
export type Member = Selectable<MemberTable>;
export type NewMember = Insertable<MemberTable>;
export type MemberUpdate = Updateable<MemberTable>;
