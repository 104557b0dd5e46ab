import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { ErrorCode } from '../../shared/errors';

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
  SELF_ACTION: 'FORBIDDEN',
  LAST_OWNER: 'FORBIDDEN',
  MORE_PRIVILEGED: 'FORBIDDEN',
  OWNER_ONLY: 'FORBIDDEN',
  REDUNDANT_GRANT: 'CONFLICT',
  IN_USE: 'CONFLICT',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  MAIL_NOT_CONFIGURED: 'PRECONDITION_FAILED',
  MAIL_FAILED: 'BAD_GATEWAY',
  SMS_FAILED: 'BAD_GATEWAY',
  CODE_INVALID: 'BAD_REQUEST',
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
