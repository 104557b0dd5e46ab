import { DomainTRPCError } from '../../src/main/api/errors';
import { isDomainError } from '../../src/main/core/errors';
import type { LinkPurpose } from '../../src/main/db/tables/link.table';
import * as invitee from '../../src/main/services/invitee';
import type { Services } from '../../src/main/services/index';

/** Domain errors carry their transport code as the API maps them, so tests read both codes as before. */
async function mapped<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (isDomainError(e)) throw new DomainTRPCError(e.code, e.message, e);
    throw e;
  }
}

/**
 * The invitee's side as the portal's pages reach it: the same service functions, called with a
 * link's token (the portal adds its rate limits and CSRF checks in front; see test/unit/portal/).
 */
export function inviteeDoor(env: { services: Services }) {
  const deps = env.services.deps;
  return {
    inspect: (i: { token: string; purpose: LinkPurpose }) => mapped(invitee.inspectLink(deps, i.token, i.purpose)),
    accept: (i: { token: string; password?: string; phone?: string; code?: string }) => mapped(invitee.acceptInvitation(deps, i.token, { password: i.password, phone: i.phone, code: i.code })),
    decline: (i: { token: string }) => mapped(invitee.declineInvitation(deps, i.token)),
    acceptReactivation: (i: { token: string }) => mapped(invitee.acceptReactivation(deps, i.token)),
    resetPassword: (i: { token: string; password: string }) => mapped(invitee.resetPassword(deps, i.token, i.password)),
  };
}
