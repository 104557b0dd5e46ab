import { describe, expect, it } from 'vitest';
import { MEMBER_ACTIONS, MEMBER_STATUSES, type MemberAction, type MemberStatus } from '../../../src/shared/statuses';
import { adminActionsFor, canApply, nextStatus } from '../../../src/main/core/lifecycle';

type Origin = MemberStatus | null;

/** PRODUCT.md's status table, written out by hand: the actions each status allows. */
const ALLOWED: Record<string, MemberAction[]> = {
  pending: ['resend', 'copyLink', 'edit', 'editEmail', 'cancel', 'expire', 'accept', 'decline'],
  accepted: ['edit', 'passwordReset', 'deactivate', 'delete'],
  expired: ['resend', 'edit', 'editEmail', 'delete'],
  declined: ['reinvite', 'delete'],
  cancelled: ['reinvite', 'delete'],
  deactivated: ['reactivate', 'copyReactivationLink', 'acceptReactivation', 'delete'],
  deleted: ['invite'],
  null: ['invite'],
};

const ORIGINS: Origin[] = [...MEMBER_STATUSES, null];

describe('canApply follows the status table', () => {
  const cases = ORIGINS.flatMap((status) => MEMBER_ACTIONS.map((action) => ({ status, action, expected: ALLOWED[String(status)]!.includes(action) })));
  it.each(cases)('$action from $status -> $expected', ({ status, action, expected }) => {
    expect(canApply(action, status)).toBe(expected);
  });

  it('covers every status', () => {
    expect(Object.keys(ALLOWED).sort()).toEqual([...MEMBER_STATUSES, 'null'].sort());
  });
});

describe('adminActionsFor lists what each row menu offers', () => {
  const MENU: Record<MemberStatus, string[]> = {
    pending: ['resend', 'copyLink', 'edit', 'cancel'],
    accepted: ['edit', 'passwordReset', 'deactivate', 'delete'],
    expired: ['resend', 'edit', 'delete'],
    declined: ['reinvite', 'delete'],
    cancelled: ['reinvite', 'delete'],
    deactivated: ['reactivate', 'copyReactivationLink', 'delete'],
    deleted: [],
  };
  it.each(MEMBER_STATUSES.map((s) => ({ status: s, expected: MENU[s] })))('$status', ({ status, expected }) => {
    expect(adminActionsFor(status)).toEqual(expected);
  });
});

describe('nextStatus', () => {
  it.each([
    ['accept', 'pending', 'accepted'],
    ['decline', 'pending', 'declined'],
    ['cancel', 'pending', 'cancelled'],
    ['expire', 'pending', 'expired'],
    ['resend', 'expired', 'pending'],
    ['deactivate', 'accepted', 'deactivated'],
    ['reactivate', 'deactivated', 'deactivated'],
    ['acceptReactivation', 'deactivated', 'accepted'],
    ['delete', 'cancelled', 'deleted'],
    ['reinvite', 'declined', 'pending'],
    ['edit', 'accepted', 'accepted'],
    ['copyLink', 'pending', 'pending'],
  ] as [MemberAction, MemberStatus, MemberStatus][])('%s from %s leads to %s', (action, from, to) => {
    expect(nextStatus(action, from)).toBe(to);
  });
});
