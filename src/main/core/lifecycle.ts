import type { MemberAction, MemberStatus } from '../../shared/statuses';

/**
 * The status table of PRODUCT.md as data: for each action, the statuses it may start from and
 * the status it leads to. `null` as origin means "no member with this address yet (or deleted)".
 */
export const TRANSITIONS: Record<MemberAction, { from: readonly (MemberStatus | null)[]; to: MemberStatus | 'same' }> = {
  invite: { from: [null, 'deleted'], to: 'pending' },
  accept: { from: ['pending'], to: 'accepted' },
  decline: { from: ['pending'], to: 'declined' },
  cancel: { from: ['pending'], to: 'cancelled' },
  resend: { from: ['pending', 'expired'], to: 'pending' },
  copyLink: { from: ['pending'], to: 'same' },
  copyReactivationLink: { from: ['deactivated'], to: 'same' },
  edit: { from: ['pending', 'expired', 'accepted'], to: 'same' },
  editEmail: { from: ['pending', 'expired'], to: 'same' },
  expire: { from: ['pending'], to: 'expired' },
  deactivate: { from: ['accepted'], to: 'deactivated' },
  reactivate: { from: ['deactivated'], to: 'same' },
  acceptReactivation: { from: ['deactivated'], to: 'accepted' },
  passwordReset: { from: ['accepted'], to: 'same' },
  delete: { from: ['accepted', 'expired', 'declined', 'cancelled', 'deactivated'], to: 'deleted' },
  reinvite: { from: ['declined', 'cancelled'], to: 'pending' },
};

export function canApply(action: MemberAction, status: MemberStatus | null): boolean {
  return TRANSITIONS[action].from.includes(status);
}

export function nextStatus(action: MemberAction, status: MemberStatus): MemberStatus {
  const to = TRANSITIONS[action].to;
  return to === 'same' ? status : to;
}

/** The actions an admin can pick from a member's menu, in the order the menu shows them. */
const ADMIN_MENU: MemberAction[] = [
  'resend',
  'copyLink',
  'edit',
  'passwordReset',
  'reinvite',
  'reactivate',
  'copyReactivationLink',
  'cancel',
  'deactivate',
  'delete',
];

/** Each status's menu, worked out once: a page asks it for every row. */
const menus = new Map<MemberStatus, readonly MemberAction[]>();

export function adminActionsFor(status: MemberStatus): readonly MemberAction[] {
  let menu = menus.get(status);
  if (!menu) menus.set(status, (menu = Object.freeze(ADMIN_MENU.filter((a) => canApply(a, status)))));
  return menu;
}

const ACTION_VERBS: Record<MemberAction, string> = {
  invite: 'invite',
  accept: 'accept',
  decline: 'decline',
  cancel: 'cancel the invitation of',
  resend: 'resend the invitation to',
  copyLink: 'copy an invite link for',
  copyReactivationLink: 'copy a reactivation link for',
  edit: 'edit',
  editEmail: 'change the email address of',
  expire: 'expire',
  deactivate: 'deactivate',
  reactivate: 'reactivate',
  acceptReactivation: 'reactivate',
  passwordReset: 'send a password reset to',
  delete: 'delete',
  reinvite: 're-invite',
};

export function transitionRefusal(action: MemberAction, status: MemberStatus | null): string {
  const who = status === null ? 'someone who is not a member' : `a member whose status is ${status}`;
  return `You cannot ${ACTION_VERBS[action]} ${who}.`;
}
