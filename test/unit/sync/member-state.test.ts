import { describe, expect, it } from 'vitest';
import { caught, invite, inviteAndAccept, signedIn } from '../helpers';
import { connect, syncEnv } from './env';

describe("sync: one member's state, as the side panel shows it", () => {
  it('is null before sync is set up, queued after a change, synced with a time after a push', async () => {
    const e = await syncEnv();
    const alice = await inviteAndAccept(e, e.owner, 'alice@example.org');
    expect(await e.owner.sync.objectOf({ localType: 'member', localId: alice })).toBeNull();
    await connect(e);
    expect(await e.owner.sync.objectOf({ localType: 'member', localId: alice })).toMatchObject({ queued: true, paused: null });
    await e.owner.sync.pushNow();
    const synced = await e.owner.sync.objectOf({ localType: 'member', localId: alice });
    expect(synced).toMatchObject({ queued: false, object: { state: 'synced', remoteId: e.scim.userByName('alice@example.org')!.id } });
    expect(synced!.object!.syncedAt).toBeTruthy();
    await e.owner.members.edit({ id: alice, name: 'Alice Liddell' });
    expect(await e.owner.sync.objectOf({ localType: 'member', localId: alice })).toMatchObject({ queued: true });
    // A pending invitation does not travel: no object, even after a push.
    const bob = await invite(e.owner, 'bob@example.org');
    await e.owner.sync.pushNow();
    expect(await e.owner.sync.objectOf({ localType: 'member', localId: bob })).toMatchObject({ object: null });
    expect(e.scim.userByName('bob@example.org')).toBeUndefined();
  });

  it("a failure shows the server's status, detail, attempts and next retry; Retry sends it again", async () => {
    const e = await syncEnv();
    const alice = await inviteAndAccept(e, e.owner, 'alice@example.org');
    await connect(e);
    // Both users' creates (the Owner's and Alice's) get a 500.
    for (let i = 0; i < 2; i++) e.scim.faults.push({ status: 500, match: (m, p) => m === 'POST' && p === '/Users' });
    await e.owner.sync.pushNow();
    const failed = (await e.owner.sync.objectOf({ localType: 'member', localId: alice }))!.object!;
    expect(failed).toMatchObject({ state: 'failed', status: 500, attempts: 1 });
    expect(failed.nextRetryAt).toBeTruthy();
    await e.owner.sync.objectAction({ objectId: failed.id, action: 'retry' });
    await e.owner.sync.pushNow();
    expect((await e.owner.sync.objectOf({ localType: 'member', localId: alice }))!.object).toMatchObject({ state: 'synced', attempts: 0 });
    expect(e.scim.userByName('alice@example.org')).toBeDefined();
  });

  it('is refused to an admin without the sync permission', async () => {
    const e = await syncEnv();
    await e.owner.roles.create({ name: 'Support', permissions: ['members.view'] });
    await inviteAndAccept(e, e.owner, 'manager@example.org', 'Support');
    const manager = await signedIn(e, 'manager@example.org');
    await connect(e);
    expect((await caught(manager.sync.objectOf({ localType: 'member', localId: 1 }))).domainCode).toBe('FORBIDDEN');
  });
});
