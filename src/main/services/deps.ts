import type { Clock } from '../core/clock';
import type { Db, DbOrTx } from '../db/database';
import type { LinkPurpose } from '../db/tables/link.table';
import type { MemberPageRead } from '../db/repos/member-list.repo';
import type { MemberFilter, MemberListQuery } from '../db/repos/members.repo';
import type { GuessLimiter } from './guesses';

/** Who acts: a signed-in person, an invitee holding a link, or the system (expiry). */
export interface Actor {
  personId: number | null;
  memberId: number | null;
  label: string;
}

export const SYSTEM_ACTOR: Actor = { personId: null, memberId: null, label: 'system' };

export type LinkKind = 'invitation' | 'resend' | 'reactivation' | 'password_reset';

/** Something that happened and that a person should be told of by mail. */
export interface LinkIssued {
  kind: LinkKind;
  purpose: LinkPurpose;
  organizationId: number;
  memberId: number;
  email: string;
  name: string | null;
  url: string;
  expiresAt: string;
  /** Who caused the mail, as a fallback (their email, or 'system'). */
  inviterLabel: string;
  /** The inviting admin's member in this organization: the mail shows their name when they have one. */
  inviterMemberId?: number | null;
  /** SHA-256 of the link's token: the outbox checks the link is still live before mailing it. */
  tokenHash?: string;
  /** The member's status the link was issued for: a member who left it is not mailed. */
  memberStatus?: string;
}

/**
 * Called inside the transaction that issues a link, so that a mail outbox row commits or rolls
 * back with the change that caused it.
 */
export interface Notifier {
  linksIssued(trx: DbOrTx, events: LinkIssued[]): Promise<void>;
  /**
   * A batch that ran in the worker thread (ServiceDeps.batches) committed: its outbox rows were
   * written there, in its transaction (ServiceDeps.outbox); here the links it issued, for observers.
   */
  linksCommitted?(events: LinkIssued[]): void;
}

/** How far a long batch is, as the worker reports it. */
export interface BatchProgress {
  /** 'checking' the addresses, 'writing' the rows, 'committing'. */
  stage: 'checking' | 'writing' | 'committing';
  done: number;
  total: number;
}

/**
 * Runs long batches off the main thread (workers/batch-runner.ts): a worker thread with its own
 * connection to the SQLite file, the same one transaction. Absent on PostgreSQL, whose pool keeps
 * the event loop free.
 */
export interface BatchRunner {
  /** The smallest batch (in entries) worth a worker; smaller ones run in the process. */
  readonly minEntries: number;
  run(job: { kind: 'invite' | 'org-import' } & Record<string, unknown>, onProgress?: (p: BatchProgress) => void): Promise<{ result: unknown; events: LinkIssued[] }>;
  /** Resolves when no batch runs (a restore waits for it). */
  idle(): Promise<void>;
  /** A batch is in the worker now, holding the file's write lock until it commits. */
  readonly busy: boolean;
}

/**
 * Reads that grow with the directory, off the main thread (workers/read-runner.ts): a worker thread
 * with a read-only connection to the SQLite file. Absent on PostgreSQL and in-memory stores.
 */
export interface ReadRunner {
  countMatching(filter: MemberFilter): Promise<number>;
  /** Whether a Members page is read on the worker's page lane now: other calls are under way (workers/read-runner.ts). */
  pagesOffThread(): boolean;
  /**
   * A Members page read on the page lane (db/repos/member-list.repo.ts readMemberPage); null when
   * the lane could not read it (its worker stopped, or the store closed): read it in the event loop.
   */
  memberPage(query: MemberListQuery, rolePermissions: ReadonlyMap<number, readonly string[]> | undefined): Promise<MemberPageRead | null>;
}

export interface ServiceDeps {
  db: Db;
  /**
   * The store's generation for cached session authorizations (db/authz-watch.ts); absent where
   * nothing may be cached (PostgreSQL: other processes write unseen).
   */
  authzGeneration?: () => string;
  clock: Clock;
  /** Where invitees open their links; from settings, never from a request header. */
  publicBaseUrl(): string;
  notifier?: Notifier;
  /** The one limiter every check of a password, code or token goes through (services/guesses.ts). */
  guesses: GuessLimiter;
  /** Called after a person's password changed, to end their live sessions. */
  passwordChanged?(personId: number): Promise<void>;
  /** Long batches in a worker thread (SQLite file stores; set by the runtime and the test harness). */
  batches?: BatchRunner;
  /** Counts over the whole directory, and Members pages under load, in worker threads (SQLite file stores; set by the runtime and the test harness). */
  reads?: ReadRunner;
  /**
   * Mail is configured in this process (the notifier writes outbox rows): a worker batch writes the
   * same rows in its own transaction, with the installation's sender address for message ids.
   */
  outbox?: { envFromAddress: string | null };
}

export function linkUrl(deps: ServiceDeps, purpose: LinkPurpose, token: string): string {
  const path = purpose === 'invitation' ? 'invite' : purpose === 'reactivation' ? 'reactivate' : 'reset';
  return `${deps.publicBaseUrl().replace(/\/+$/, '')}/${path}/${token}`;
}
