import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** 'dropped': never sent because its link died or its member left the state it was for (reason in last_error). */
export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'dropped';

/**
 * One mail to send. The bodies hold the link (and so its token) until the mail is sent; then they
 * are cleared and only the envelope and the outcome remain.
 */
export interface MailOutboxTable {
  id: Generated<number>;
  organization_id: number;
  member_id: number | null;
  kind: string;
  recipient: string;
  recipient_name: string | null;
  subject: string;
  text_body: string | null;
  html_body: string | null;
  message_id: string;
  status: OutboxStatus;
  attempts: Generated<number>;
  next_attempt_at: string;
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
  /** SHA-256 of the token of the link the mail carries (migration 0008b); null for mail without a link. */
  link_token_hash: string | null;
  /** The member's status the mail was written for; null for mail without a link. */
  member_status: string | null;
}
export type OutboxRow = Selectable<MailOutboxTable>;
export type NewOutboxRow = Insertable<MailOutboxTable>;
export type OutboxUpdate = Updateable<MailOutboxTable>;
