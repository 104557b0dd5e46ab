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
