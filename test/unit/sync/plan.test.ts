import { describe, expect, it } from 'vitest';
import { accountPath, toUser } from '../../../src/main/sync/mapping';
import { backoffWithJitterMs, guardTrips, memberDelta, retryAfterMs, userOp } from '../../../src/main/sync/plan';

describe('sync plan rules', () => {
  it('folds several changes into the end state: a rename back to the written value sends nothing', () => {
    const written = toUser({ id: 1, email: 'a@x.test', name: 'Ann', phone: null, status: 'accepted' }, 'ext-1');
    const same = toUser({ id: 1, email: 'a@x.test', name: 'Ann', phone: null, status: 'accepted' }, 'ext-1');
    expect(userOp({ remoteId: 'r1', written, wanted: same, gone: false, policy: 'deactivate' }).op).toBe('none');
    const renamed = toUser({ id: 1, email: 'a@x.test', name: 'Ann Lee', phone: null, status: 'accepted' }, 'ext-1');
    const u = userOp({ remoteId: 'r1', written, wanted: renamed, gone: false, policy: 'deactivate' });
    expect(u.op).toBe('update');
    expect(u.changes.map((c) => c.attribute).sort()).toEqual(['displayName', 'name']);
  });

  it('a deleted member is deactivated remotely unless the policy says delete', () => {
    const written = toUser({ id: 1, email: 'a@x.test', name: null, phone: null, status: 'accepted' }, 'e');
    expect(userOp({ remoteId: 'r', written, wanted: null, gone: true, policy: 'deactivate' }).op).toBe('deactivate');
    expect(userOp({ remoteId: 'r', written, wanted: null, gone: true, policy: 'delete' }).op).toBe('delete');
    expect(userOp({ remoteId: null, written: null, wanted: null, gone: true, policy: 'delete' }).op).toBe('none');
  });

  it('guard, deltas, Retry-After and backoff', () => {
    expect(guardTrips(1, 3, 10, 200)).toBe(false);
    expect(guardTrips(2, 100, 10, 200)).toBe(false);
    expect(guardTrips(11, 100, 10, 200)).toBe(true);
    expect(guardTrips(201, 100_000, 10, 200)).toBe(true);
    expect(memberDelta([1, 2, 3], [2, 3, 4])).toEqual({ add: [4], remove: [1] });
    const now = new Date('2026-01-01T00:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs(null, now)).toBeNull();
    expect(backoffWithJitterMs(3, () => 0)).toBe(4000);
    expect(backoffWithJitterMs(3, () => 1)).toBe(8000);
    expect(backoffWithJitterMs(40, () => 1)).toBe(15 * 60_000);
  });

  it('names a sub-account group by its path', () => {
    const tree = new Map([
      [1, { name: 'Acme', parent_id: null }],
      [2, { name: 'Europe', parent_id: 1 }],
      [3, { name: 'France', parent_id: 2 }],
    ]);
    expect(accountPath(tree, 3)).toBe('Acme / Europe / France');
  });
});
