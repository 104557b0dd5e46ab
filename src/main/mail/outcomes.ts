import type { OutboxRow, OutboxUpdate } from '../db/tables/mail_outbox.table';
import { composeMail } from './compose';
import { formatFrom, type ClassifiedFailure, type SmtpConfig } from './transport';

/** What one send comes to, and what a drain counts (mail/sender.ts keeps the loop; this is the arithmetic). */
export type Outcome = 'sent' | 'retry' | 'failed';

export type SenderEvent =
  | { type: 'sent'; id: number; messageId: string }
  | { type: 'retry'; id: number; reason: string; nextAttemptAt: string }
  | { type: 'failed'; id: number; reason: string }
  | { type: 'dropped'; id: number; reason: string };


export interface DrainResult {
  /** Rows claimed to be sent (dropped rows not included). */
  claimed: number;
  /** Rows the claim dropped instead: their link died or their member left the state the mail was for. */
  dropped: number;
  sent: number;
  retried: number;
  failed: number;
}

export function emptyResult(): DrainResult {
  return { claimed: 0, dropped: 0, sent: 0, retried: 0, failed: 0 };
}

export function tally(result: DrainResult, outcome: Outcome | null): void {
  if (outcome === 'sent') result.sent++;
  else if (outcome === 'retry') result.retried++;
  else if (outcome === 'failed') result.failed++;
}

/** Backoff after the n-th failed attempt: 30 s, 1 min, 2 min … at most 1 h. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/** The message of a claimed row, built as one string (compose.ts): the part of a send that costs the most CPU. */
export function messageOf(row: OutboxRow, config: SmtpConfig, date: Date) {
  return composeMail({
    from: formatFrom(config),
    to: row.recipient_name ? { name: row.recipient_name, address: row.recipient } : row.recipient,
    subject: row.subject,
    text: row.text_body ?? '',
    html: row.html_body,
    messageId: row.message_id,
    date,
  });
}

interface Settled {
  outcome: Outcome;
  set: OutboxUpdate;
  event: SenderEvent;
}

/** A failed send: failed for good (a permanent refusal, or the last attempt), else queued again after its backoff. */
export function failedSend(row: OutboxRow, failure: ClassifiedFailure, now: Date, maxAttempts: number): Settled {
  if (failure.kind === 'permanent' || row.attempts >= maxAttempts) {
    const reason = failure.kind === 'permanent' ? failure.reason : `Gave up after ${row.attempts} attempts: ${failure.reason}`;
    return { outcome: 'failed', set: { status: 'failed', lease_until: null, last_error: reason }, event: { type: 'failed', id: row.id, reason } };
  }
  const next = new Date(now.getTime() + backoffMs(row.attempts)).toISOString();
  return {
    outcome: 'retry',
    set: { status: 'queued', lease_until: null, next_attempt_at: next, last_error: failure.reason },
    event: { type: 'retry', id: row.id, reason: failure.reason, nextAttemptAt: next },
  };
}

/** Sent: the envelope and the outcome stay, the bodies go (they hold the link's token). */
export function sentMail(row: OutboxRow, now: Date): Settled {
  return { outcome: 'sent', set: sentAt(now.toISOString()), event: { type: 'sent', id: row.id, messageId: row.message_id } };
}

/** What a sent mail's row becomes (also for a mail recovered from the sent journal). */
export function sentAt(at: string): OutboxUpdate {
  return { status: 'sent', sent_at: at, lease_until: null, last_error: null, text_body: null, html_body: null };
}
