import { parsePhoneNumberFromString } from 'libphonenumber-js';
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
  copyReactivationLink: 'Copy reactivation link',
  edit: 'Edit',
  passwordReset: 'Send password reset',
  reinvite: 'Re-invite',
  reactivate: 'Reactivate',
  cancel: 'Cancel invitation',
  deactivate: 'Deactivate',
  delete: 'Delete',
};

export const DESTRUCTIVE = new Set(['cancel', 'deactivate', 'delete']);

// Building an Intl.DateTimeFormat costs far more than using one: one of each, shared by every row.
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const DAY = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const DAY_MONTH = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** A moment as people read it, e.g. "Nov 22, 2026, 10:04 AM". */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return DATE_TIME.format(new Date(iso));
}

/** The day only, for narrow table cells; the full moment goes in the cell's title. */
export function formatDay(iso: string | null | undefined): string {
  if (!iso) return '—';
  return DAY.format(new Date(iso));
}

/** Day and month only ("Nov 29"), for dates a few days ahead such as an invitation's expiry. */
export function formatDayMonth(iso: string | null | undefined): string {
  if (!iso) return '—';
  return DAY_MONTH.format(new Date(iso));
}

const phoneCache = new Map<string, string>();

/** A stored E.164 number spaced for reading ("+1 415 555 0142"); anything unparsable is shown as stored. */
export function formatPhone(e164: string | null | undefined): string {
  if (!e164) return '—';
  let shown = phoneCache.get(e164);
  if (shown === undefined) {
    shown = parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
    if (phoneCache.size > 5_000) phoneCache.clear();
    phoneCache.set(e164, shown);
  }
  return shown;
}

const COUNT = new Intl.NumberFormat(undefined);

/** 1004 → "1,004" in the admin's locale. */
export function formatCount(n: number): string {
  return COUNT.format(n);
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
  'mail.template.update': 'Mail template changed',
  'mail.template.reset': 'Mail template reset to default',
  'portal.settings': 'Invitee pages settings changed',
  'member.access': 'Roles and access changed',
  'account.rename': 'Sub-account renamed',
  'account.move': 'Sub-account moved',
  'account.delete': 'Sub-account deleted',
  'role.create': 'Role created',
  'role.rename': 'Role renamed',
  'role.describe': 'Role description changed',
  'role.copy': 'Role copied',
  'role.delete': 'Role deleted',
  'role.permissions': 'Role permissions changed',
  'module.add': 'Product module added',
  'module.remove': 'Product module removed',
};
