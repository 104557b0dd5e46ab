import { z } from 'zod';

/**
 * Rules every way of handing out roles and permissions shares: members.invite, members.edit,
 * members.setRoles, members.bulk.setRoles and members.setAccess.
 */

/** PRODUCT.md: a role is mandatory. */
export const ROLE_MANDATORY = 'Choose a role: it is mandatory.';

/** The roles a member is given: one at least (a member with none could not sign in or use anything). */
export function roleList<T extends z.ZodType>(item: T, max: number) {
  return z.array(item).min(1, ROLE_MANDATORY).max(max);
}
