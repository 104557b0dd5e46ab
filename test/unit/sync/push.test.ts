import { describe, expect, it } from 'vitest';
import { invite, inviteAndAccept, lastMailedToken, OWNER_EMAIL, PASSWORD, roleId } from '../helpers';
import { inviteeDoor } from '../invitee-door';
import { connect, syncEnv, writes } from './env';

describe('sync: the first full push against a real SCIM server', () => {
  it('sends Active members as Users, roles and sub-account paths as Groups; pending invitations stay home; a second push sends nothing', async () => {
    const e = await syncEnv();
    const alice = await inviteAndAccept(e, e.owner, 'alice@example.org', 'Admin');
    await invite(e.owner, 'bob@example.org', 'Admin');
    const europe = await e.owner.accounts.create({ name: 'Europe' });
    const france = await e.owner.accounts.create({ name: 'France', parentId: europe.id });
    await e.owner.members.setAccess({ id: alice, roles: [{ roleId: await roleId(e.owner, 'Admin'), accountId: (await e.owner.accounts.list()).find((a) => a.parentId === null)!.id }], accountIds: [france.id] });
    await connect(e);

    const r = await e.owner.sync.pushNow();
    expect(r).toMatchObject({ outcome: 'done', failed: 0, blocked: 0 });
    const owner = e.scim.userByName(OWNER_EMAIL)!;
    const a = e.scim.userByName('alice@example.org')!;
    expect(a).toMatchObject({ active: true, emails: [{ value: 'alice@example.org', primary: true }] });
    expect(a.externalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(owner.active).toBe(true);
    expect(e.scim.userByName('bob@example.org')).toBeUndefined();
    expect(e.scim.groupByName('Roster Admin')!.members.map((m) => m.value)).toEqual([a.id]);
    expect(e.scim.groupByName('Roster Owner')!.members.map((m) => m.value)).toEqual([owner.id]);
    expect(e.scim.groupByName('Acme / Europe')!.members).toEqual([]);
    expect(e.scim.groupByName('Acme / Europe / France')!.members.map((m) => m.value)).toEqual([a.id]);
    // Users before groups, the parent group before its child.
    const posts = writes(e.scim).filter((l) => l.method === 'POST').map((l) => l.path);
    expect(posts.lastIndexOf('/Users')).toBeLessThan(posts.indexOf('/Groups'));
    // Every local object is synced, with its remote id.
    const status = await e.owner.sync.status();
    expect(status.counts).toMatchObject({ pending: 0, failed: 0, blocked: 0, queued: 0 });
    expect(status.counts.synced).toBeGreaterThanOrEqual(6);

    const before = e.scim.log.length;
    expect(await e.owner.sync.pushNow()).toMatchObject({ outcome: 'nothing', writes: 0 });
    expect(writes({ ...e.scim, log: e.scim.log.slice(before) })).toHaveLength(0);
    // The token is never returned.
    expect(JSON.stringify(await e.owner.sync.getSettings())).not.toContain(e.scim.token);
  });

  it('a dry run sends only reads and writes nothing, here or there', async () => {
    const e = await syncEnv();
    await inviteAndAccept(e, e.owner, 'alice@example.org');
    await connect(e);
    const r = await e.owner.sync.pushNow({ dryRun: true });
    expect(r.outcome).toBe('dry_run');
    expect(e.scim.users.size).toBe(0);
    expect(e.scim.groups.size).toBe(0);
    expect(writes(e.scim)).toHaveLength(0);
    expect((await e.owner.sync.status()).counts.synced).toBe(0);
    expect((await e.owner.sync.preview()).ops.filter((o) => o.op === 'create').map((o) => o.label)).toContain('alice@example.org');
  });
});

describe('sync: requests in flight', () => {
  it('keeps the set number of requests out during a push, and never more', async () => {
    const e = await syncEnv();
    for (const name of ['a', 'b', 'c', 'd']) await inviteAndAccept(e, e.owner, `${name}@example.org`);
    await connect(e, { maxInFlight: 2 });
    // Each answer takes a while: the requests of a push overlap on the server.
    e.scim.slowMs = 30;
    const r = await e.owner.sync.pushNow();
    expect(r).toMatchObject({ outcome: 'done', failed: 0 });
    expect(e.scim.users.size).toBe(5);
    expect(e.scim.peakInFlight).toBe(2);
    expect(r.inFlight?.peak).toBe(2);
    // The pipe stays full while users are sent: more than one request out on average.
    expect(r.inFlight!.average).toBeGreaterThan(1);
  });
});

describe('sync: changes follow by themselves', () => {
  it('invite → accept, deactivate, reactivate, delete, role change', async () => {
    const e = await syncEnv();
    await connect(e);
    await e.owner.sync.pushNow();
    const bob = await invite(e.owner, 'bob@example.org', 'Admin');
    expect(await e.owner.sync.pushNow()).toMatchObject({ outcome: 'nothing' });
    expect(e.scim.userByName('bob@example.org')).toBeUndefined();
    await inviteeDoor(e).accept({ token: lastMailedToken(e, 'bob@example.org', 'invitation'), password: PASSWORD });
    await e.owner.sync.pushNow();
    const remoteBob = e.scim.userByName('bob@example.org')!;
    expect(remoteBob.active).toBe(true);
    expect(e.scim.groupByName('Roster Admin')!.members.map((m) => m.value)).toContain(remoteBob.id);

    await e.owner.members.deactivate({ ids: [bob] });
    await e.owner.sync.pushNow();
    expect(e.scim.userByName('bob@example.org')!.active).toBe(false);

    await e.owner.members.reactivate({ ids: [bob] });
    await inviteeDoor(e).acceptReactivation({ token: lastMailedToken(e, 'bob@example.org', 'reactivation') });
    await e.owner.sync.pushNow();
    expect(e.scim.userByName('bob@example.org')!.active).toBe(true);

    await e.owner.members.setRoles({ ids: [bob], roleIds: [await roleId(e.owner, 'Member')] });
    await e.owner.sync.pushNow();
    expect(e.scim.groupByName('Roster Admin')!.members.map((m) => m.value)).not.toContain(remoteBob.id);
    expect(e.scim.groupByName('Roster Member')!.members.map((m) => m.value)).toContain(remoteBob.id);

    await e.owner.members.delete({ ids: [bob] });
    await e.owner.sync.pushNow();
    // Default policy: deactivated remotely, never deleted; the same remote user throughout.
    expect(e.scim.userByName('bob@example.org')).toMatchObject({ id: remoteBob.id, active: false });
    expect([...e.scim.users.values()].filter((u) => u.userName === 'bob@example.org')).toHaveLength(1);
  });

  it('a sub-account rename or move renames its group and its children', async () => {
    const e = await syncEnv();
    const europe = await e.owner.accounts.create({ name: 'Europe' });
    const france = await e.owner.accounts.create({ name: 'France', parentId: europe.id });
    const americas = await e.owner.accounts.create({ name: 'Americas' });
    await connect(e);
    await e.owner.sync.pushNow();
    const franceId = e.scim.groupByName('Acme / Europe / France')!.id;
    await e.owner.accounts.rename({ id: europe.id, name: 'EMEA' });
    await e.owner.sync.pushNow();
    expect(e.scim.groupByName('Acme / EMEA')).toBeDefined();
    expect(e.scim.groupByName('Acme / EMEA / France')!.id).toBe(franceId);
    await e.owner.accounts.move({ id: france.id, parentId: americas.id });
    await e.owner.sync.pushNow();
    expect(e.scim.groupByName('Acme / Americas / France')!.id).toBe(franceId);
    expect(e.scim.groups.size).toBe(3 + 3);
  });
});
