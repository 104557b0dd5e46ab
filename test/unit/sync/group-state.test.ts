import { describe, expect, it } from 'vitest';
import { caught, inviteAndAccept, roleId, signedIn } from '../helpers';
import { connect, syncEnv } from './env';

describe("sync: a role's and a sub-account's group state, as their panels show it", () => {
  it('a role group is queued when one of its members changes, synced with its remote id after a push', async () => {
    const e = await syncEnv();
    const admin = await roleId(e.owner, 'Admin');
    const alice = await inviteAndAccept(e, e.owner, 'alice@example.org', 'Admin');
    expect(await e.owner.sync.objectOf({ localType: 'role', localId: admin })).toBeNull();
    await connect(e);
    expect(await e.owner.sync.objectOf({ localType: 'role', localId: admin })).toMatchObject({ queued: true, companyAccount: false, paused: null });
    await e.owner.sync.pushNow();
    const synced = await e.owner.sync.objectOf({ localType: 'role', localId: admin });
    expect(synced).toMatchObject({ queued: false, object: { state: 'synced', kind: 'group', label: 'Roster Admin', remoteId: e.scim.groupByName('Roster Admin')!.id } });
    expect(synced!.object!.syncedAt).toBeTruthy();
    // A change of one of its members (not of the role itself) will change the group: it shows as queued.
    await e.owner.members.edit({ id: alice, name: 'Alice Liddell' });
    expect(await e.owner.sync.objectOf({ localType: 'role', localId: admin })).toMatchObject({ queued: true });
    await e.owner.sync.pushNow();
    expect(await e.owner.sync.objectOf({ localType: 'role', localId: admin })).toMatchObject({ queued: false, object: { state: 'synced' } });
  });

  it("a sub-account group shows the server's failure and Retry sends it again; a rename of its parent queues it; the company account is no group", async () => {
    const e = await syncEnv();
    const europe = await e.owner.accounts.create({ name: 'Europe' });
    const france = await e.owner.accounts.create({ name: 'France', parentId: europe.id });
    await connect(e);
    // The France group's lookup gets a 500 with the server's detail: that group fails, the others go.
    e.scim.faults.push({ status: 500, match: (m, p) => m === 'GET' && decodeURIComponent(p).includes('Acme / Europe / France') });
    await e.owner.sync.pushNow();
    const failed = (await e.owner.sync.objectOf({ localType: 'account', localId: france.id }))!.object!;
    expect(failed).toMatchObject({ state: 'failed', status: 500, detail: 'Injected fault 500', attempts: 1, label: 'Acme / Europe / France' });
    expect(failed.nextRetryAt).toBeTruthy();
    expect(e.scim.groupByName('Acme / Europe / France')).toBeUndefined();
    await e.owner.sync.objectAction({ objectId: failed.id, action: 'retry' });
    await e.owner.sync.pushNow();
    expect((await e.owner.sync.objectOf({ localType: 'account', localId: france.id }))!.object).toMatchObject({ state: 'synced', attempts: 0 });
    expect(e.scim.groupByName('Acme / Europe / France')).toBeDefined();

    await e.owner.accounts.rename({ id: europe.id, name: 'EMEA' });
    expect(await e.owner.sync.objectOf({ localType: 'account', localId: france.id })).toMatchObject({ queued: true });
    const root = (await e.owner.accounts.list()).find((a) => a.parentId === null)!;
    expect(await e.owner.sync.objectOf({ localType: 'account', localId: root.id })).toMatchObject({ companyAccount: true, queued: false, object: null });
  });

  it('is refused to an admin without the sync permission', async () => {
    const e = await syncEnv();
    await e.owner.roles.create({ name: 'Support', permissions: ['members.view'] });
    await inviteAndAccept(e, e.owner, 'manager@example.org', 'Support');
    const manager = await signedIn(e, 'manager@example.org');
    await connect(e);
    expect((await caught(manager.sync.objectOf({ localType: 'role', localId: await roleId(e.owner, 'Admin') }))).domainCode).toBe('FORBIDDEN');
    expect((await caught(manager.sync.objectOf({ localType: 'account', localId: 1 }))).domainCode).toBe('FORBIDDEN');
  });
});
