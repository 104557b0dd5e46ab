import { z } from 'zod';
import { isConsolePermission, isPermissionName, moduleKey, unknownPermissionText } from '../../shared/permissions';
import { DomainError } from '../core/errors';
import type { DbOrTx } from '../db/database';
import { listModules } from '../db/repos/modules.repo';

/**
 * Rules every way of handing out roles and permissions shares: members.invite, members.edit,
 * members.setRoles, members.bulk.setRoles, members.setAccess, roles.create and roles.setPermissions.
 */

/** PRODUCT.md: a role is mandatory. */
export const ROLE_MANDATORY = 'Choose a role: it is mandatory.';

/** The roles a member is given: one at least (a member with none could not sign in or use anything). */
export function roleList<T extends z.ZodType>(item: T, max: number) {
  return z.array(item).min(1, ROLE_MANDATORY).max(max);
}

/**
 * A permission's name, checked at the router's input before anything else: a console permission or
 * `module:<key>`. Anything else is refused as unknown, never compared with what the admin holds.
 */
export const permissionName = z
  .string()
  .max(100)
  .refine(isPermissionName, { error: (issue) => unknownPermissionText([String(issue.input)]) });

/** A module-shaped name must also be one of this organization's modules; checked before any privilege comparison. */
export async function assertKnownPermissions(db: DbOrTx, organizationId: number, permissions: readonly string[]): Promise<void> {
  const modules = permissions.some((p) => !isConsolePermission(p)) ? new Set((await listModules(db, organizationId)).map((m) => moduleKey(m.key))) : new Set<string>();
  const unknown = [...new Set(permissions.filter((p) => !isConsolePermission(p) && !modules.has(p)))];
  if (unknown.length) throw new DomainError('VALIDATION', unknownPermissionText(unknown));
}
