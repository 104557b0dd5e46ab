import type { MemberListQuery, MemberFilter } from '../db/repos/members.repo';
import type { searchBounds } from '../db/repos/member-search.repo';
import type { SerializedError } from './jobs';

/** What the main thread asks the read worker (structured-clone safe) and what comes back. */
export interface CountMatchingJob {
  kind: 'count-matching';
  /** The SQLite store; the worker keeps a read-only connection to it until told to let it go. */
  file: string;
  filter: MemberFilter;
}

/** A Members page with its rows' decorations (db/repos/member-list.repo.ts readMemberPage). */
export interface MemberPageJob {
  kind: 'member-page';
  file: string;
  query: MemberListQuery;
  rolePermissions: ReadonlyMap<number, readonly string[]> | undefined;
  /** The search bounds in force on the main thread (tests lower them to reach a plan with a small store). */
  bounds: typeof searchBounds;
}

/** Opens the worker's connection to the file ahead of its first read. */
export interface OpenJob {
  kind: 'open';
  file: string;
}

/** Closes the worker's connection (a restore swaps the file next; the next read opens it again). */
export interface ReleaseJob {
  kind: 'release';
}

export type ReadJob = CountMatchingJob | MemberPageJob | OpenJob | ReleaseJob;
export type ReadRequest = { id: number; job: ReadJob };
export type ReadMessage = { id: number; type: 'done'; result: unknown } | { id: number; type: 'failed'; error: SerializedError };
