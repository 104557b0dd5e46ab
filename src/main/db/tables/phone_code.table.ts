import type { Generated, Insertable, Selectable } from 'kysely';

/** A one-time code sent to an invitee's phone; only its salted SHA-256 is kept. */
export interface PhoneCodeTable {
  id: Generated<number>;
  member_id: number;
  phone: string;
  code_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}
export type PhoneCode = Selectable<PhoneCodeTable>;
export type NewPhoneCode = Insertable<PhoneCodeTable>;

export interface PhoneAttemptTable {
  member_id: number;
  failures: Generated<number>;
}
export type PhoneAttempt = Selectable<PhoneAttemptTable>;
