import { describe, expect, it } from 'vitest';
import { inviteAndAccept, OWNER_EMAIL } from '../helpers';
import { connect, syncEnv, writes } from './env';

const userPosts = <T extends { method: string; path: string }>(log: T[]) => log.filter((l) => l.method === 'POST' && l.path === '/Users');

describe('sync: the server says no, or is not there', () => {
  it('adopts the remote user on 409 uniqueness instead of failing, and looks before creating', async () => {
    const e = await syncEnv();
    const alice = await inviteAndAccept(e, e.owner, 'alice@example.org');
    // Someone else creates the same person (another case) between our lookup and our create.
    e.scim.onRequest = (method, path) => {
      if (method === 'POST' && path === '/Users' && !e.scim.userByName('ALICE@example.org')) {
        e.scim.users.set('theirs', { id: 'theirs', userName: 'ALICE@example.org', active: true });
      }
    };
    await connect(e);
    const r = await e.owner.sync.pushNow();
    expect(r).toMatchObject({ outcome: 'done', failed: 0 });
    expect(e.scim.log.some((l) => l.status === 409)).toBe(true);
    const objects = await e.owner.sync.objects({});
    expect(objects.find((o) => o.localType === 'member' && o.localId === alice)).toMatchObject({ state: 'synced', remoteId: 'theirs' });
    expect([...e.scim.users.values()].filter((u) => u.userName.toLowerCase() === 'alice@example.org')).toHaveLength(1);
    expect(e.scim.users.get('theirs')!.externalId).toBeDefined();
  });

  it('re-creates a user the server lost (404 on update), once', async () => {
    const e = await syncEnv();
    const alice = await inviteAndAccept(e, e.owner, 'alice@example.org');
    await connect(e);
    await e.owner.sync.pushNow();
    const lost = e.scim.userByName('alice@example.org')!;
    e.scim.users.delete(lost.id);
    await e.owner.members.edit({ id: alice, name: 'Alice Liddell' });
    expect(await e.owner.sync.pushNow()).toMatchObject({ failed: 0 });
    const back = e.scim.userByName('alice@example.org')!;
    expect(back.id).not.toBe(lost.id);
    expect(back.name).toMatchObject({ formatted: 'Alice Liddell', familyName: 'Liddell' });
    expect(e.scim.log.some((l) => l.method === 'PATCH' && l.status === 404)).toBe(true);
    expect((await e.owner.sync.objects({})).find((o) => o.localId === alice && o.kind === 'user')!.remoteId).toBe(back.id);
  });

  it('401 pauses the whole sync with one reason (not a failure per object) and resumes after a new token', async () => {
    const e = await syncEnv();
    await inviteAndAccept(e, e.owner, 'alice@example.org');
    await inviteAndAccept(e, e.owner, 'carol@example.org');
    await connect(e);
    e.scim.token = 'rotated-token';
    const r = await e.owner.sync.pushNow();
    expect(r.outcome).toBe('paused');
    const status = await e.owner.sync.status();
    expect(status.paused?.reason).toMatch(/token was rejected/);
    expect(status.counts.failed).toBe(0);
    expect(e.scim.log.filter((l) => l.status === 401)).toHaveLength(1);
    // Paused: nothing more is tried until a new token comes.
    expect((await e.owner.sync.pushNow()).outcome).toBe('paused');
    expect(e.scim.log).toHaveLength(1);
    expect((await e.owner.sync.testConnection()).ok).toBe(false);

    await e.owner.sync.saveSettings({ baseUrl: e.scim.baseUrl, token: 'rotated-token' });
    expect((await e.owner.sync.testConnection()).capabilities).toMatchObject({ patch: true, filter: true });
    expect(await e.owner.sync.pushNow()).toMatchObject({ outcome: 'done', failed: 0 });
    expect((await e.owner.sync.status()).paused).toBeNull();
    expect(e.scim.userByName('carol@example.org')).toBeDefined();
    expect(e.scim.userByName(OWNER_EMAIL)).toBeDefined();
  });

  it('honours Retry-After on 429: nothing is sent before the server said', async () => {
    const e = await syncEnv();
    await inviteAndAccept(e, e.owner, 'alice@example.org');
    // One request at a time, so no request is already on its way when the 429 comes back.
    await connect(e, { maxInFlight: 1 });
    e.scim.faults.push({ status: 429, retryAfter: 1, match: (m, p) => m === 'POST' && p === '/Users' });
    const first = await e.owner.sync.pushNow();
    expect(first.outcome).toBe('throttled');
    const refused = e.scim.log.find((l) => l.status === 429)!;
    expect((await e.owner.sync.status()).throttledUntil).not.toBeNull();
    // Asked again at once: no request goes out.
    const n = e.scim.log.length;
    expect((await e.owner.sync.pushNow()).outcome).toBe('throttled');
    expect(e.scim.log).toHaveLength(n);
    // The sender waits until the time the server gave, then sends.
    let next = await e.sync.sender.drainAll();
    while (next !== null) {
      await new Promise((r) => setTimeout(r, Math.max(0, next! - Date.now()) + 20));
      next = await e.sync.sender.drainAll();
    }
    const created = userPosts(e.scim.log).filter((l) => l.status === 201);
    expect(created.length).toBeGreaterThan(0);
    if (process.env.DEBUG_SYNC) console.log(e.scim.log.map((l) => `${l.at - refused.at} ${l.method} ${l.path} ${l.status}`).join('\n'));
    for (const c of created) expect(c.at - refused.at).toBeGreaterThanOrEqual(1000);
    expect(e.scim.users.size).toBe(2);
  });

  it('server down: changes queue, the sync pauses and resumes by itself; everything arrives once, in order', async () => {
    const e = await syncEnv();
    // One request at a time: with several in flight, creates reach the server in whichever order
    // their look-ups return (on PostgreSQL, with a round trip per statement, a1 and a2 swapped).
    await connect(e, { maxInFlight: 1 });
    await e.owner.sync.pushNow();
    await e.scim.down();
    const emails = ['a1@example.org', 'a2@example.org', 'a3@example.org'];
    for (const m of emails) await inviteAndAccept(e, e.owner, m);
    const r = await e.owner.sync.pushNow();
    expect(r.outcome).toBe('paused');
    expect((await e.owner.sync.status()).paused?.reason).toMatch(/cannot be reached/);
    expect(await e.owner.sync.pushNow()).toMatchObject({ outcome: 'paused' });
    await e.scim.up();
    // No admin action: the sender's next turn finds the server again.
    await e.sync.sender.drainAll();
    expect((await e.owner.sync.status()).paused).toBeNull();
    const created = userPosts(e.scim.log).filter((l) => l.status === 201);
    const names = [...e.scim.users.values()].map((u) => u.userName);
    for (const m of emails) expect(names.filter((n) => n === m)).toHaveLength(1);
    // One create per user (the owner's from before, then the three in order of their changes).
    expect(created).toHaveLength(4);
    const order = [...e.scim.users.values()].map((u) => u.userName).slice(1);
    expect(order).toEqual(emails);
    expect(writes(e.scim).every((l) => (l.status ?? 0) < 400)).toBe(true);
  });

  it('holds a mass deactivation until an admin approves it', async () => {
    const e = await syncEnv();
    const ids: number[] = [];
    for (const m of ['b1', 'b2', 'b3', 'b4']) ids.push(await inviteAndAccept(e, e.owner, `${m}@example.org`));
    await connect(e);
    await e.owner.sync.pushNow();
    await e.owner.members.deactivate({ ids: ids.slice(0, 3) });
    const preview = await e.owner.sync.preview();
    expect(preview).toMatchObject({ removals: 3, wouldHold: true });
    expect(preview.ops.find((o) => o.label === 'b1@example.org')!.changes).toContainEqual({ attribute: 'active', before: true, after: false });
    const n = writes(e.scim).length;
    const held = await e.owner.sync.pushNow();
    expect(held.outcome).toBe('held');
    expect((await e.owner.sync.status()).held).toMatch(/3 users/);
    expect(writes(e.scim)).toHaveLength(n);
    expect(e.scim.userByName('b1@example.org')!.active).toBe(true);
    await e.owner.sync.approve();
    expect(await e.owner.sync.pushNow()).toMatchObject({ outcome: 'done', deactivated: 3 });
    expect(e.scim.userByName('b1@example.org')!.active).toBe(false);
    expect(e.scim.userByName('b4@example.org')!.active).toBe(true);
    expect((await e.owner.sync.status()).held).toBeNull();
  });
});

describe('sync: a crash mid-push', () => {
  it('a process that dies after the server created a user leaves nothing lost and nothing doubled', async () => {
    const e = await syncEnv();
    await inviteAndAccept(e, e.owner, 'alice@example.org');
    await connect(e, { maxInFlight: 1 });
    // This process sends the create, then dies before it can record the answer.
    const { createSync } = await import('../../../src/main/sync/service');
    const { fileSecretBox } = await import('../../../src/main/mail/secrets');
    const dying = createSync({
      db: e.store.db,
      clock: e.clock,
      secrets: fileSecretBox(e.dir),
      owner: 'dying',
      fetch: async (url, init) => {
        const res = await fetch(url, init);
        if (init?.method === 'POST') return new Promise<Response>(() => undefined);
        return res;
      },
    });
    void dying.sender.pushNow(e.organizationId);
    while (e.scim.users.size === 0) await new Promise((r) => setTimeout(r, 20));
    expect((await e.owner.sync.status()).counts.inFlight).toBeGreaterThan(0);

    // Another process (this test's runtime) takes over once the dead one's lease ran out.
    expect(await e.owner.sync.pushNow()).toMatchObject({ outcome: 'busy' });
    e.clock.advance(6 * 60_000);
    expect(await e.owner.sync.pushNow()).toMatchObject({ outcome: 'done', failed: 0 });
    expect(e.scim.users.size).toBe(2);
    for (const u of e.scim.users.values()) expect([...e.scim.users.values()].filter((x) => x.userName === u.userName)).toHaveLength(1);
    expect(e.scim.groupByName('Roster Admin')!.members).toHaveLength(1);
    expect((await e.owner.sync.status()).counts).toMatchObject({ inFlight: 0, pending: 0, failed: 0 });
  });

  it('a push that outlasts its lease renews it as it goes: another process stays out until it ends', async () => {
    const e = await syncEnv();
    await inviteAndAccept(e, e.owner, 'alice@example.org');
    await connect(e, { maxInFlight: 1 });
    const { createSync } = await import('../../../src/main/sync/service');
    const { fileSecretBox } = await import('../../../src/main/mail/secrets');
    const other = createSync({ db: e.store.db, clock: e.clock, secrets: fileSecretBox(e.dir), owner: 'other' });
    let advanced = false;
    let second: Promise<{ outcome: string }> | null = null;
    e.scim.onRequest = (method, path) => {
      // The users are going out and the push has run for 6 minutes, longer than its 5-minute lease…
      if (method === 'POST' && path === '/Users' && !advanced) {
        advanced = true;
        e.clock.advance(6 * 60_000);
      }
      // …and it is still this push's turn when its groups go: the other process is refused.
      if (path.startsWith('/Groups') && !second) second = other.sender.pushNow(e.organizationId, { force: true });
    };
    expect(await e.owner.sync.pushNow()).toMatchObject({ outcome: 'done', failed: 0 });
    expect(await second).toMatchObject({ outcome: 'busy' });
    expect(userPosts(e.scim.log)).toHaveLength(2);
    expect(e.scim.groupByName('Roster Admin')!.members).toHaveLength(1);
    expect((await e.owner.sync.status()).counts).toMatchObject({ inFlight: 0, pending: 0, failed: 0 });
  });
});
