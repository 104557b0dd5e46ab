import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BulkAction } from '../../../src/shared/bulk';
import { caught, createEnv, invite, inviteAndAccept, registerOwner, roleId, signedIn, statusOf, type Caller, type TestEnv } from '../helpers';

type Selection = { ids?: number[]; filter?: { status?: 'pending' | 'accepted' | 'deactivated'; search?: string; roleId?: number } };

/** Runs every batch of a bulk action as the console does, returning the batches' answers. */
async function bulk(caller: Caller, action: BulkAction, selection: Selection, roleIds?: number[]) {
  const batches = [];
  let after: number | null = null;
  for (;;) {
    const r = await caller.members.bulk[action]({ selection: { ...selection, after }, roleIds: roleIds ?? [] } as never);
    batches.push(r);
    if (r.next === null) break;
    after = r.next;
  }
  return batches;
}

function total(batches: { applied: number; skipped: { reason: string; count: number }[] }[]) {
  const skipped: Record<string, number> = {};
  for (const b of batches) for (const s of b.skipped) skipped[s.reason] = (skipped[s.reason] ?? 0) + s.count;
  return { applied: batches.reduce((a, b) => a + b.applied, 0), skipped };
}

describe('bulk actions on a mixed selection', () => {
  let env: TestEnv;
  let owner: Caller;
  let ownerId: number;
  const pending: number[] = [];
  const active: number[] = [];

  beforeAll(async () => {
    env = await createEnv();
    const reg = await registerOwner(env);
    owner = reg.caller;
    ownerId = reg.memberId;
    active.push(await inviteAndAccept(env, owner, 'ada@acme.test', 'Member'));
    active.push(await inviteAndAccept(env, owner, 'ben@acme.test', 'Member'));
    for (const n of [1, 2, 3, 4, 5]) pending.push(await invite(owner, `pend${n}@acme.test`, 'Member'));
  });
  afterAll(async () => {
    await env.close();
  });

  it('counts the members a filter selects, as the list shows them', async () => {
    expect((await owner.members.countMatching({})).count).toBe(8);
    expect((await owner.members.countMatching({ status: 'pending' })).count).toBe(5);
    expect((await owner.members.countMatching({ search: 'pend' })).count).toBe(5);
    expect((await owner.members.countMatching({ search: 'ada' })).count).toBe(1);
  });

  it('deactivates everyone it may on the All tab and says why it left the rest alone', async () => {
    const [r] = await bulk(owner, 'deactivate', { filter: {} });
    expect(r!.applied).toBe(2);
    expect(r!.message).toBe('Deactivated 2; skipped 6: 5 pending (cancel them instead), 1 is you');
    for (const id of active) expect(await statusOf(owner, id)).toBe('deactivated');
    for (const id of pending) expect(await statusOf(owner, id)).toBe('pending');
    expect(await statusOf(owner, ownerId)).toBe('accepted');
  });

  it('cancels the pending invitations of a search, and only them', async () => {
    const [r] = await bulk(owner, 'cancel', { filter: { search: 'pend' } });
    expect(r!.message).toBe('Cancelled 5');
    for (const id of pending) expect(await statusOf(owner, id)).toBe('cancelled');
    // Their links stop working.
    const [again] = await bulk(owner, 'cancel', { ids: pending });
    expect(again!.message).toBe('Cancelled 0; skipped 5: 5 cancelled (already cancelled)');
  });

  it('re-invites, reactivates and deletes by ids, each with its own skip reasons', async () => {
    const [re] = await bulk(owner, 'reinvite', { ids: [...pending, ...active] });
    expect(re!.message).toBe('Invited again 5; skipped 2: 2 deactivated (reactivate them instead)');
    const [react] = await bulk(owner, 'reactivate', { ids: [...active, pending[0]!] });
    expect(react!.message).toBe('Reactivation link sent to 2; skipped 1: 1 pending (not yet members)');
    const [del] = await bulk(owner, 'delete', { ids: [...active, pending[0]!, ownerId] });
    expect(total([del!])).toEqual({ applied: 2, skipped: { 'status:pending': 1, self: 1 } });
    expect(del!.message).toBe('Deleted 2; skipped 2: 1 pending (cancel them first), 1 is you');
    expect((await owner.members.countMatching({})).count).toBe(6);
  });

  it('changes roles for all but the admin themselves, and resends only to pending ones', async () => {
    const viewer = await roleId(owner, 'Member');
    const [r] = await bulk(owner, 'setRoles', { filter: {} }, [viewer]);
    expect(r!.message).toBe('Role changed for 5; skipped 1: 1 is you');
    const [resend] = await bulk(owner, 'resend', { filter: {} });
    expect(resend!.message).toBe('Invitation resent to 5; skipped 1: 1 active (already members)');
    const [reset] = await bulk(owner, 'passwordReset', { filter: {} });
    expect(reset!.message).toBe('Password reset sent to 1; skipped 5: 5 pending (no password yet: resend the invitation)');
  });
});

describe('bulk actions over many members', () => {
  let env: TestEnv;
  let owner: Caller;

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    const entries = Array.from({ length: 1_204 }, (_, i) => ({ email: `p${String(i).padStart(4, '0')}@acme.test` }));
    await owner.members.invite({ entries, grants: { roleIds: [await roleId(owner, 'Member')] } });
  });
  afterAll(async () => {
    await env.close();
  });

  it('walks a filter selection in batches of 500, each one transaction, to the last member', async () => {
    expect((await owner.members.countMatching({ status: 'pending' })).count).toBe(1_204);
    const batches = await bulk(owner, 'cancel', { filter: { status: 'pending' } });
    expect(batches.map((b) => b.processed)).toEqual([500, 500, 204]);
    expect(total(batches)).toEqual({ applied: 1_204, skipped: {} });
    expect((await owner.members.countMatching({ status: 'pending' })).count).toBe(0);
    expect((await owner.members.countMatching({ status: 'cancelled' })).count).toBe(1_204);
  });
});

describe('bulk actions and permissions', () => {
  let env: TestEnv;
  let owner: Caller;
  let admin: Caller;
  let ownerId: number;
  let memberId: number;

  beforeAll(async () => {
    env = await createEnv();
    const reg = await registerOwner(env);
    owner = reg.caller;
    ownerId = reg.memberId;
    await inviteAndAccept(env, owner, 'admin@acme.test', 'Admin');
    memberId = await inviteAndAccept(env, owner, 'mia@acme.test', 'Member');
    admin = await signedIn(env, 'admin@acme.test');
    const now = new Date().toISOString();
    const orgId = reg.organizationId;
    const r = await env.store.db
      .insertInto('role')
      .values({ organization_id: orgId, name: 'Viewer', builtin: null, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await env.store.db.insertInto('role_permission').values({ role_id: r.id, permission: 'members.view' }).execute();
    await inviteAndAccept(env, owner, 'viewer@acme.test', 'Viewer');
  });
  afterAll(async () => {
    await env.close();
  });

  it('an admin leaves the Owner alone (more privileges) and still deactivates the rest', async () => {
    const [r] = await bulk(admin, 'deactivate', { ids: [ownerId, memberId] });
    expect(r!.message).toBe('Deactivated 1; skipped 1: 1 with more privileges than you');
    expect(await statusOf(owner, ownerId)).toBe('accepted');
    expect(await statusOf(owner, memberId)).toBe('deactivated');
  });

  it('refuses a bulk action to someone whose roles do not allow it, and changes nothing', async () => {
    const viewer = await signedIn(env, 'viewer@acme.test');
    expect((await viewer.members.countMatching({})).count).toBe(4);
    const err = await caught(viewer.members.bulk.delete({ selection: { filter: {} } }));
    expect(err.domainCode).toBe('FORBIDDEN');
    expect((await owner.members.countMatching({})).count).toBe(4);
  });

  it('refuses a selection that names neither ids nor a filter', async () => {
    const err = await caught(owner.members.bulk.cancel({ selection: {} }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain('Select members, or all those matching the list.');
  });
});
