import type { LinkIssued } from '../services/deps';
import type { InviteInput, InviteResult } from '../services/members/invite';
import type { ImportResult } from '../services/org-transfer-import';

/**
 * What the main thread sends a batch worker and what comes back (structured-clone safe: no class
 * instances; the worker reloads the actor's permissions from its own connection).
 */
export interface InviteJob {
  kind: 'invite';
  /** The SQLite store; the worker opens its own connection to it for this job only. */
  file: string;
  /** The main thread's clock at the request, so tests that move time see the same instants. */
  now: string;
  publicBaseUrl: string;
  organizationId: number;
  actor: { personId: number; memberId: number; label: string };
  input: InviteInput;
  /** The outbox rows are written in the batch's transaction (mail configured: the installation's sender address), else null. */
  outbox: { envFromAddress: string | null } | null;
}

/** A whole organization's file to import (services/org-transfer-import.ts): parsed, checked and written in the worker. */
export interface OrgImportJob {
  kind: 'org-import';
  file: string;
  now: string;
  /** The organization the importer acts from (their permissions are read there). */
  organizationId: number;
  actor: { personId: number; memberId: number; label: string; email: string };
  /** The uploaded file's text, as the console sent it in parts. */
  text: string;
}

/** The log copied into the database file off the main thread (db/log-checkpoints.ts); answers whether frames are left. */
export interface CheckpointJob {
  kind: 'checkpoint';
  file: string;
}

/** One step of the search index tidy (db/search-tidy.ts): a short write transaction; answers whether it merged anything. */
export interface SearchTidyJob {
  kind: 'search-tidy';
  file: string;
  /** Leaf pages to write. */
  pages: number;
  /** The tidy's first step: every segment put into one merge. */
  start: boolean;
}

export type BatchJob = InviteJob | OrgImportJob | CheckpointJob | SearchTidyJob;

export interface BatchProgress {
  /** 'checking' the addresses, 'writing' the rows, 'committing'. */
  stage: 'checking' | 'writing' | 'committing';
  done: number;
  total: number;
}

export interface SerializedError {
  name: string;
  message: string;
  /** A DomainError's code, or a database driver's (SQLITE_BUSY…), kept so api/errors.ts maps it as before. */
  code?: string;
  details?: Record<string, unknown>;
  domain: boolean;
}

export type WorkerRequest = { id: number; job: BatchJob };
export type WorkerMessage =
  | { id: number; type: 'progress'; progress: BatchProgress }
  | { id: number; type: 'done'; result: InviteResult | ImportResult | boolean; events: LinkIssued[] }
  | { id: number; type: 'failed'; error: SerializedError };
