import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type LinkPurpose = 'invitation' | 'reactivation' | 'password_reset';
export type LinkRevocation = 'superseded' | 'cancelled' | 'deleted' | 'deactivated';

/** An emailed or copied link. Only the SHA-256 of its token is kept. */
export interface LinkTable {
  id: Generated<number>;
  member_id: number;
  purpose: LinkPurpose;
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  revoked_at: string | null;
  revoked_reason: LinkRevocation | null;
}
export type Link = Selectable<LinkTable>;
export type NewLink = Insertable<LinkTable>;
export type LinkUpdate = Updateable<LinkTable>;
