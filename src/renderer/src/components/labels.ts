import type { MemberStatus } from '../../../shared/statuses';

export { STATUS_LABELS } from '../../../shared/statuses';

export const STATUS_COLORS: Record<MemberStatus, string> = {
  pending: 'yellow',
  accepted: 'green',
  expired: 'gray',
  declined: 'orange',
  cancelled: 'gray',
  deactivated: 'red',
  deleted: 'dark',
};

export const ACTION_LABELS: Record<string, string> = {
  resend: 'Resend invitation',
  copyLink: 'Copy invite link',
  edit: 'Edit',
  passwordReset: 'Send password reset',
  reinvite: 'Re-invite',
  reactivate: 'Reactivate',
  cancel: 'Cancel invitation',
  deactivate: 'Deactivate',
  delete: 'Delete',
};

export const DESTRUCTIVE = new Set(['cancel', 'deactivate', 'delete']);

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Audit actions as people read them (the Audit page and a member's history). */
export const AUDIT_ACTIONS: Record<string, string> = {
  'member.invite': 'Invited',
  'member.resend': 'Invitation resent',
  'member.reinvite': 'Invited again',
  'member.cancel': 'Invitation cancelled',
  'member.accept': 'Accepted the invitation',
  'member.decline': 'Declined the invitation',
  'member.expire': 'Invitation expired',
  'member.deactivate': 'Deactivated',
  'member.reactivate': 'Reactivation link sent',
  'member.accept_reactivation': 'Reactivated',
  'member.delete': 'Deleted',
  'member.edit': 'Edited',
  'member.roles': 'Roles changed',
  'member.copy_link': 'Invite link copied',
  'member.password_reset': 'Password reset sent',
  'member.password_set': 'Password changed',
  'member.owner': 'Registered as Owner',
  'account.create': 'Sub-account created',
  'organization.create': 'Organization created',
  'settings.update': 'Settings changed',
  'member.account_removed': 'Sub-account removed',
  'mail.settings.update': 'Mail settings changed',
  'mail.retry': 'Mail queued again',
  'portal.settings': 'Invitee pages settings changed',
  'member.access': 'Roles and access changed',
  'account.rename': 'Sub-account renamed',
  'account.move': 'Sub-account moved',
  'account.delete': 'Sub-account deleted',
  'role.create': 'Role created',
  'role.rename': 'Role renamed',
  'role.copy': 'Role copied',
  'role.delete': 'Role deleted',
  'role.permissions': 'Role permissions changed',
  'module.add': 'Product module added',
  'module.remove': 'Product module removed',
};
