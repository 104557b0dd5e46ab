/** Member statuses, in the order the admin's tabs show them. */
export const MEMBER_STATUSES = [
  'pending',
  'accepted',
  'expired',
  'declined',
  'cancelled',
  'deactivated',
  'deleted',
] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** Statuses that appear in the admin's tables (deleted members are gone from the lists). */
export const LISTED_STATUSES = MEMBER_STATUSES.filter((s) => s !== 'deleted') as Exclude<
  MemberStatus,
  'deleted'
>[];

export const STATUS_LABELS: Record<MemberStatus, string> = {
  pending: 'Pending',
  accepted: 'Active',
  expired: 'Expired',
  declined: 'Declined',
  cancelled: 'Cancelled',
  deactivated: 'Deactivated',
  deleted: 'Deleted',
};

/** What an admin (or the invitee, or time) can do to a member. */
export const MEMBER_ACTIONS = [
  'invite',
  'accept',
  'decline',
  'cancel',
  'resend',
  'copyLink',
  'copyReactivationLink',
  'edit',
  'editEmail',
  'expire',
  'deactivate',
  'reactivate',
  'acceptReactivation',
  'passwordReset',
  'delete',
  'reinvite',
] as const;
export type MemberAction = (typeof MEMBER_ACTIONS)[number];
