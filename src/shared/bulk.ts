import { STATUS_LABELS, type MemberStatus } from './statuses';

/** Bulk actions on members, and how their outcome is told: shared by the server and the console. */

export const BULK_ACTIONS = ['setRoles', 'resend', 'reinvite', 'cancel', 'deactivate', 'reactivate', 'passwordReset', 'delete'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** Rows per batch: each batch is one transaction; the progress bar moves between batches. */
export const BULK_BATCH = 500;

/** Why a selected member was left alone: a status (`status:pending`) or one of these. */
export type SkipReason = `status:${MemberStatus}` | 'self' | 'scope' | 'privileged' | 'lastOwner' | 'otherOrganization' | 'redundant' | 'ownerOnly' | 'gone';

export interface SkipCount {
  reason: SkipReason;
  count: number;
}

export const BULK_DONE: Record<BulkAction, string> = {
  setRoles: 'Role changed for',
  resend: 'Invitation resent to',
  reinvite: 'Invited again',
  cancel: 'Cancelled',
  deactivate: 'Deactivated',
  reactivate: 'Reactivation link sent to',
  passwordReset: 'Password reset sent to',
  delete: 'Deleted',
};

/** What to do instead, for a status an action does not apply to. */
const INSTEAD: Partial<Record<BulkAction, Partial<Record<MemberStatus, string>>>> = {
  deactivate: { pending: 'cancel them instead', expired: 'delete them instead', declined: 'delete them instead', cancelled: 'delete them instead', deactivated: 'already deactivated' },
  delete: { pending: 'cancel them first' },
  cancel: { accepted: 'deactivate them instead', expired: 'already expired', cancelled: 'already cancelled', declined: 'they declined', deactivated: 'delete them instead' },
  resend: { accepted: 'already members', declined: 're-invite them instead', cancelled: 're-invite them instead', deactivated: 'reactivate them instead' },
  reinvite: { pending: 'resend instead', expired: 'resend instead', accepted: 'already members', deactivated: 'reactivate them instead' },
  reactivate: { accepted: 'already active', pending: 'not yet members' },
  passwordReset: { pending: 'no password yet: resend the invitation', expired: 'no password yet: resend the invitation', deactivated: 'reactivate them first' },
  setRoles: { deactivated: 'reactivate them first' },
};

export function skipText(action: BulkAction, reason: SkipReason, count: number): string {
  const one = count === 1;
  if (reason.startsWith('status:')) {
    const status = reason.slice(7) as MemberStatus;
    const hint = INSTEAD[action]?.[status];
    return `${count} ${STATUS_LABELS[status].toLowerCase()}${hint ? ` (${hint})` : ''}`;
  }
  switch (reason) {
    case 'self':
      return `${count} ${one ? 'is you' : 'are you'}`;
    case 'scope':
      return `${count} outside the accounts you manage`;
    case 'privileged':
      return `${count} with more privileges than you`;
    case 'lastOwner':
      return `${count} ${one ? 'is' : 'are'} the last Owner${one ? '' : 's'}`;
    case 'otherOrganization':
      return `${count} joined another organization first (only it can reset their password)`;
    case 'redundant':
      return `${count} already hold${one ? 's' : ''} this role at a sub-account`;
    case 'ownerOnly':
      return `${count} ${one ? 'is an Owner' : 'are Owners'} (only an Owner can change that)`;
    case 'gone':
      return `${count} no longer exist${one ? 's' : ''}`;
    default:
      return `${count} skipped`;
  }
}

const ORDER: string[] = ['scope', 'privileged', 'ownerOnly', 'lastOwner', 'redundant', 'otherOrganization', 'gone', 'self'];
const rank = (r: SkipReason) => (r.startsWith('status:') ? -1 : ORDER.indexOf(r));
/** Most first; at a tie, statuses before the rest and "is you" last. */
const bySize = (a: SkipCount, b: SkipCount) => b.count - a.count || rank(a.reason) - rank(b.reason);

/** Adds one batch's skips to the running totals. */
export function mergeSkips(into: SkipCount[], more: SkipCount[]): SkipCount[] {
  const out = into.map((s) => ({ ...s }));
  for (const s of more) {
    const found = out.find((o) => o.reason === s.reason);
    if (found) found.count += s.count;
    else out.push({ ...s });
  }
  return out.sort(bySize);
}

/** "Deactivated 998; skipped 6: 5 pending (cancel them instead), 1 is you". */
export function bulkSummary(action: BulkAction, applied: number, skipped: SkipCount[]): string {
  const head = `${BULK_DONE[action]} ${applied.toLocaleString('en-US')}`;
  const total = skipped.reduce((a, s) => a + s.count, 0);
  if (total === 0) return head;
  return `${head}; skipped ${total.toLocaleString('en-US')}: ${[...skipped].sort(bySize).map((s) => skipText(action, s.reason, s.count)).join(', ')}`;
}
