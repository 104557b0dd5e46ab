import type { Clock } from '../core/clock';
import type { Db } from '../db/database';
import type { MailConfigResolver } from './config';
import type { SenderEvent } from './outcomes';
import type { SentJournal } from './sent-journal';
import type { TransportOptions } from './transport';

/** What the outbox sender (sender.ts) is given: its store, clock and configuration, and the bounds of its drains. */
export interface SenderOptions {
  db: Db;
  clock: Clock;
  config: MailConfigResolver;
  /** Rows claimed per transaction (default 200: each claim is a commit, an fsync on SQLite). */
  batchSize?: number;
  /**
   * Rows claimed and still sending, at most (default: twice the batch size). The next batch is
   * claimed as soon as there is room for it, so the connections never wait for a batch's slowest mail;
   * the claim also commits the outcomes waiting by then (one transaction for both).
   */
  maxInFlight?: number;
  /**
   * Mails handed to the SMTP server whose outcome is not committed yet, at most (default 32): the most
   * a crash can send again. While the store cannot take outcomes (a batch holds SQLite's write lock,
   * PostgreSQL is slow to answer), the sender waits rather than hand over more. A mail in the sent
   * journal still counts until committed: the bound also keeps the connections from running ahead of
   * the store, so fewer mails are on their way at a kill (`npm run soak`, 50 kills: 38 repeats
   * counting them, 77 not).
   */
  maxUnrecorded?: number;
  leaseMs?: number;
  maxAttempts?: number;
  /** Outcomes recorded per transaction, at most (default: the batch size). */
  recordBatch?: number;
  /**
   * 0 (the default): each outcome is committed as it comes, with those that came in the same turn of
   * the event loop (one transaction for them). A crash then sends again only the mails the SMTP server
   * took in the last moment (the at-least-once window, README "Mail"). Above 0: outcomes wait for a
   * full batch, the next claim or the end of the drain, at most this long (real time): fewer commits, a
   * window of up to a batch (tests use it to reach that window).
   */
  flushMs?: number;
  /** How often the loop looks for due rows when nothing kicks it (real time). */
  pollMs?: number;
  transport?: TransportOptions;
  /**
   * Where each mail the SMTP server accepted is noted before its outcome is committed (the data
   * folder's outbox-sent.journal): a restart records those as sent rather than sending them again.
   * None: a crash sends again every mail whose outcome was not committed (at most maxUnrecorded).
   */
  journal?: SentJournal | null;
  onEvent?: (e: SenderEvent) => void;
}
