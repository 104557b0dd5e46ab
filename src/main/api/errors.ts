import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { ErrorCode } from '../../shared/errors';
import { DomainError } from '../core/errors';

/** Each domain error code maps once to a transport code; the message is the domain's own. */
export const TRPC_CODE_OF: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  VALIDATION: 'BAD_REQUEST',
  NOT_SIGNED_IN: 'UNAUTHORIZED',
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  NO_CONSOLE_ACCESS: 'FORBIDDEN',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_REGISTERED: 'CONFLICT',
  EMAIL_TAKEN: 'CONFLICT',
  TRANSITION_NOT_ALLOWED: 'CONFLICT',
  LINK_INVALID: 'BAD_REQUEST',
  LINK_EXPIRED: 'BAD_REQUEST',
  LINK_CANCELLED: 'BAD_REQUEST',
  LINK_SUPERSEDED: 'BAD_REQUEST',
  LINK_USED: 'BAD_REQUEST',
  LINK_DECLINED: 'BAD_REQUEST',
  LINK_ACCESS_ENDED: 'BAD_REQUEST',
  SELF_ACTION: 'FORBIDDEN',
  LAST_OWNER: 'FORBIDDEN',
  MORE_PRIVILEGED: 'FORBIDDEN',
  OWNER_ONLY: 'FORBIDDEN',
  REDUNDANT_GRANT: 'CONFLICT',
  IN_USE: 'CONFLICT',
  NAME_TAKEN: 'CONFLICT',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  MAIL_NOT_CONFIGURED: 'PRECONDITION_FAILED',
  MAIL_FAILED: 'BAD_GATEWAY',
  SMS_FAILED: 'BAD_GATEWAY',
  CODE_INVALID: 'BAD_REQUEST',
  STORE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  STALE: 'CONFLICT',
};

export class DomainTRPCError extends TRPCError {
  constructor(
    readonly domainCode: ErrorCode,
    message: string,
    cause: unknown,
  ) {
    super({ code: TRPC_CODE_OF[domainCode], message, cause });
  }
}

/**
 * A database error is never answered as a bare 500: the ones a user can act on get a domain error
 * (a duplicate, a full disk, a busy or read-only store, a search the index cannot read). SQLite
 * (better-sqlite3: code "SQLITE_…") and PostgreSQL (pg: a five-character SQLSTATE) alike.
 */
export function databaseProblem(e: unknown): DomainError | null {
  if (!(e instanceof Error)) return null;
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  const sqlite = code.startsWith('SQLITE_');
  const pg = /^[0-9A-Z]{5}$/.test(code) && 'severity' in e;
  if (!sqlite && !pg) return null;
  if (code.startsWith('SQLITE_CONSTRAINT') || (pg && code.startsWith('23')))
    return new DomainError('IN_USE', 'That conflicts with something that already exists (a name or address in use). Reload and try again with another value.');
  if (code === 'SQLITE_FULL' || code === '53100')
    return new DomainError('STORE_UNAVAILABLE', 'The disk is full: Roster could not save this change. Free some space on the disk that holds the data folder, then try again.');
  if (code.startsWith('SQLITE_READONLY'))
    return new DomainError('STORE_UNAVAILABLE', 'The data folder is read-only: Roster could not save this change. Check the folder’s permissions.');
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code === '40001' || code === '40P01')
    return new DomainError('STORE_UNAVAILABLE', 'Roster is busy with another change: try again in a moment.');
  if (code === 'SQLITE_ERROR' && /fts5|unterminated string|syntax error near/i.test(e.message))
    return new DomainError('VALIDATION', 'The search text cannot be used: remove special characters and try again.', { field: 'search' });
  return null;
}
