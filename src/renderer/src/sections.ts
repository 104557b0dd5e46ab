import type { Me } from './api-types';

/** The console's sections, in menu order; each is an address (`#/members`) and needs what it says. */
export const SECTIONS = [
  { key: 'members', label: 'Members', permission: 'members.view', orgWide: false },
  { key: 'roles', label: 'Roles & permissions', permission: null, orgWide: false },
  { key: 'accounts', label: 'Accounts', permission: null, orgWide: false },
  { key: 'audit', label: 'Audit', permission: 'audit.view', orgWide: true },
  { key: 'settings', label: 'Settings', permission: null, orgWide: false },
  { key: 'mail', label: 'Mail', permission: 'members.invite', orgWide: false },
  { key: 'sync', label: 'Sync', permission: 'sync.manage', orgWide: true },
] as const;

export type SectionKey = (typeof SECTIONS)[number]['key'];

/** The sections this person may open: organization-wide ones need the permission at the company account. */
export function visibleSections(me: Me) {
  return SECTIONS.filter((s) => !s.permission || (s.orgWide ? me.orgPermissions : me.permissions).includes(s.permission));
}
