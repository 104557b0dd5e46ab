import type { MemberFilter } from '../db/repos/members.repo';
import type { SerializedError } from './jobs';

/** What the main thread asks the read worker (structured-clone safe) and what comes back. */
export interface CountMatchingJob {
  kind: 'count-matching';
  /** The SQLite store; the worker keeps a read-only connection to it until told to let it go. */
  file: string;
  filter: MemberFilter;
}

/** Closes the worker's connection (a restore swaps the file next; the next read opens it again). */
export interface ReleaseJob {
  kind: 'release';
}

export type ReadJob = CountMatchingJob | ReleaseJob;
export type ReadRequest = { id: number; job: ReadJob };
export type ReadMessage = { id: number; type: 'done'; result: number } | { id: number; type: 'failed'; error: SerializedError };
