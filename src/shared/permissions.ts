/**
 * The admin console's permissions. Product modules (an organization's own list) are stored
 * as `module:<key>` and never grant anything in the console.
 */
export const CONSOLE_PERMISSIONS = [
  'members.view',
  'members.invite',
  'members.edit',
  'members.deactivate',
  'members.delete',
  'roles.manage',
  'accounts.manage',
  'settings.manage',
  'billing.manage',
  'audit.view',
  'sync.manage',
  'organization.delete',
] as const;
export type ConsolePermission = (typeof CONSOLE_PERMISSIONS)[number];

export const PERMISSION_LABELS: Record<ConsolePermission, string> = {
  'members.view': 'View members',
  'members.invite': 'Invite',
  'members.edit': 'Edit members',
  'members.deactivate': 'Deactivate and reactivate',
  'members.delete': 'Delete members',
  'roles.manage': 'Manage roles',
  'accounts.manage': 'Manage accounts',
  'settings.manage': 'Settings',
  'billing.manage': 'Billing',
  'audit.view': 'Audit',
  'sync.manage': 'Sync',
  'organization.delete': 'Delete the organization',
};

export const BUILTIN_ROLES = ['owner', 'admin', 'member'] as const;
export type BuiltinRole = (typeof BUILTIN_ROLES)[number];

export const BUILTIN_ROLE_NAMES: Record<BuiltinRole, string> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
};

/** What a new organization's built-in roles say they are for (migration 0012 gave existing ones the same words). */
export const BUILTIN_ROLE_DESCRIPTIONS: Record<BuiltinRole, string> = {
  owner: 'Holds every permission, deleting the organization included. Only an Owner can make someone else an Owner.',
  admin: 'Runs the admin console: members, roles, sub-accounts, settings, mail, audit and sync. Cannot delete the organization.',
  member: 'Uses the product modules that are not admin-only. No access to the admin console.',
};

/** Default product modules of a new organization; admin-only ones are granted to Owner and Admin only. */
export const DEFAULT_MODULES = [
  { key: 'pricing', name: 'Pricing', adminOnly: true },
  { key: 'payment', name: 'Payment', adminOnly: true },
  { key: 'user-management', name: 'User Management', adminOnly: true },
  { key: 'dashboard', name: 'Dashboard', adminOnly: false },
] as const;

export function moduleKey(key: string): string {
  return `module:${key}`;
}

export function builtinRolePermissions(role: BuiltinRole): string[] {
  const modules = DEFAULT_MODULES.filter((m) => role !== 'member' || !m.adminOnly).map((m) =>
    moduleKey(m.key),
  );
  switch (role) {
    case 'owner':
      return [...CONSOLE_PERMISSIONS, ...modules];
    case 'admin':
      return [...CONSOLE_PERMISSIONS.filter((p) => p !== 'organization.delete'), ...modules];
    case 'member':
      return modules;
  }
}

export function isConsolePermission(p: string): p is ConsolePermission {
  return (CONSOLE_PERMISSIONS as readonly string[]).includes(p);
}

/**
 * What people read for a permission key, in refusals and the UI: "Delete the organization", or
 * "the Pricing module" (by the organization's module name when given, else from its key).
 */
export function permissionLabel(key: string, modules: readonly { key: string; name: string }[] = []): string {
  if (isConsolePermission(key)) return PERMISSION_LABELS[key];
  if (key.startsWith('module:')) {
    const k = key.slice('module:'.length);
    const name = modules.find((m) => m.key === k || m.key === key)?.name ?? DEFAULT_MODULES.find((m) => m.key === k)?.name ?? k;
    return `the ${name} module`;
  }
  return key;
}

/** What a product module's key may hold (letters, digits and dashes), e.g. "reports". */
export const MODULE_KEY_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Whether a name can be a permission at all: a console permission, or `module:<key>`. Whether
 * that module exists is the organization's to say (services/grant-rules.ts).
 */
export function isPermissionName(p: string): boolean {
  return isConsolePermission(p) || (p.startsWith('module:') && MODULE_KEY_PATTERN.test(p.slice('module:'.length)));
}

/** The one answer to a permission Roster does not know: the page that sent it is out of date. */
export function unknownPermissionText(names: readonly string[]): string {
  return `Unknown permission: ${names.join(', ')}. Reload the page.`;
}
