import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner, memoryCarrier } from '../../../src/main/api/context';
import { createCaller } from '../../../src/main/api/router';
import { createPortalServer } from '../../../src/main/portal/server';
import { GuessLimiter } from '../../../src/main/services/guesses';
import { NOTICE_INTERVAL_MS } from '../../../src/main/services/attack-notice';
import { caught, createEnv, invite, inviteAndAccept, lastMailedToken, OWNER_EMAIL, PASSWORD, registerOwner, signedIn, type Caller, type TestEnv, openTestStore } from '../helpers';

/** A limiter on the test's store (its counters are rows) and a clock the test moves. */
let limiterStore: Awaited<ReturnType<typeof openTestStore>>;
beforeAll(async () => {
  limiterStore = await openTestStore();
});
afterAll(async () => {
  await limiterStore.remove();
});

let limiterClock = 1_000_000;
function limiter() {
  // Each test starts an hour later: the earlier test's counters are past the window.
  limiterClock += 60 * 60_000;
  const g = new GuessLimiter(limiterStore.store.db, () => limiterClock);
  const tryOnce = async (keys: { person?: string; client?: string }, ok = false): Promise<string> => {
    try {
      const a = await g.attempt(keys);
      if (ok) await a.succeeded();
      else await a.failed();
      return ok ? 'ok' : 'wrong';
    } catch (e) {
      return (e as Error).message;
    }
  };
  return { g, tryOnce, advance: (ms: number) => (limiterClock += ms) };
}

describe('the guess limiter', async () => {
  it('after five failures a person waits 5 s, then 10, 20, 40 and at most 60 s: never a long lock', async () => {
    const { g, tryOnce, advance } = limiter();
    const who = { person: 'owner@acme.test', client: 'web:1' };
    for (let i = 0; i < 5; i++) expect(await tryOnce(who)).toBe('wrong');
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const ms = await g.wait(who);
      waits.push(ms);
      expect(await tryOnce(who)).toBe(`Too many attempts: wait ${ms / 1000} seconds and try again.`);
      advance(ms);
      expect(await tryOnce(who)).toBe('wrong');
    }
    expect(waits).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
    // The right password gets in as soon as the wait is over.
    advance(await g.wait(who));
    expect(await tryOnce(who, true)).toBe('ok');
  });

  it('a refused attempt does not count, and a success forgives that client’s failures', async () => {
    const { g, tryOnce, advance } = limiter();
    const who = { person: 'a@acme.test', client: 'web:1' };
    for (let i = 0; i < 5; i++) await tryOnce(who);
    for (let i = 0; i < 10; i++) expect(await tryOnce(who)).toMatch(/^Too many attempts: wait 5 seconds/);
    advance(5_000);
    expect(await tryOnce(who, true)).toBe('ok');
    expect(await g.wait(who)).toBe(0);
    for (let i = 0; i < 4; i++) expect(await tryOnce(who)).toBe('wrong');
  });

  it('guessing one account from many clients is slowed down too', async () => {
    const { tryOnce } = limiter();
    for (let i = 0; i < 10; i++) expect(await tryOnce({ person: 'owner@acme.test', client: `web:${i}` })).toBe('wrong');
    expect(await tryOnce({ person: 'owner@acme.test', client: 'web:new' })).toMatch(/^Too many attempts: wait 5 seconds/);
  });

  it('spraying one password over many addresses is slowed down per client, other clients unaffected', async () => {
    const { tryOnce } = limiter();
    for (let i = 0; i < 20; i++) expect(await tryOnce({ person: `user${i}@acme.test`, client: 'web:attacker' })).toBe('wrong');
    expect(await tryOnce({ person: 'user99@acme.test', client: 'web:attacker' })).toMatch(/^Too many attempts: wait 5 seconds/);
    expect(await tryOnce({ person: 'user99@acme.test', client: 'web:someone-else' }, true)).toBe('ok');
  });
});

let env: TestEnv;
let owner: Caller;
let server: Server;
let base: string;

beforeAll(async () => {
  env = await createEnv();
  owner = (await registerOwner(env)).caller;
  server = createPortalServer(env.services.deps);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await env.close();
});

/** A caller whose requests come from `client` (a socket address, or "desktop" over IPC). */
function callerFrom(client: string): Caller {
  return createCaller(createContextInner({ services: env.services, sessionCarrier: memoryCarrier(), client }));
}

/** Opens the invitation page and posts its form, as a browser would. */
async function acceptThroughPortal(token: string, password: string): Promise<{ status: number; text: string }> {
  const page = await fetch(`${base}/invite/${token}`);
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const res = await fetch(`${base}/invite/${token}/accept`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, password }).toString(),
  });
  return { status: res.status, text: await res.text() };
}

async function securityNotices(): Promise<{ recipient: string; text_body: string | null; html_body: string | null }[]> {
  await env.services.attackNotices.settled();
  return env.store.db.selectFrom('mail_outbox').select(['recipient', 'text_body', 'html_body']).where('kind', '=', 'security_notice').orderBy('id').execute();
}

describe('one limiter for every door that checks a password (issue 16, items 1 and 7)', () => {
  it('guessing a person’s password through an invitation of another organization is throttled like sign-in', async () => {
    await inviteAndAccept(env, owner, 'victim@acme.test', 'Admin');
    // An admin of another organization invites the victim and guesses through the portal.
    const other = await signedIn(env, OWNER_EMAIL);
    const created = await other.organizations.create({ name: 'Other Org' });
    await other.auth.switchOrganization({ organizationId: created.id });
    await invite(other, 'victim@acme.test', 'Member');
    const token = lastMailedToken(env, 'victim@acme.test', 'invitation');
    for (let i = 0; i < 5; i++) {
      const r = await acceptThroughPortal(token, `guess number ${i}`);
      expect(r.status).toBe(400);
      expect(r.text).toContain('current Roster password');
    }
    const blocked = await acceptThroughPortal(token, PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.text).toMatch(/Too many attempts: wait \d seconds?/);
    // The same person from the same address is slowed down at sign-in too: one limiter.
    const err = await caught(callerFrom('127.0.0.1').auth.signIn({ email: 'victim@acme.test', password: PASSWORD }));
    expect(err.domainCode).toBe('RATE_LIMITED');
    expect(err.message).toMatch(/^Too many attempts: wait \d seconds?/);
    // The victim on their own computer is not locked out by the attacker's guesses.
    await callerFrom('desktop').auth.signIn({ email: 'victim@acme.test', password: PASSWORD });
    env.clock.advance(5_000);
    expect((await acceptThroughPortal(token, PASSWORD)).status).toBe(200);
    // Eleven scrypt checks and two acceptances: slow on a loaded CI machine.
  }, 180_000);

  it('unknown link tokens from one client are slowed down after 20', async () => {
    env.clock.advance(15 * 60_000);
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await fetch(`${base}/invite/${randomBytes(32).toString('base64url')}`)).status);
    expect(statuses.slice(0, 20).every((s) => s === 410)).toBe(true);
    const last = await fetch(`${base}/invite/${randomBytes(32).toString('base64url')}`);
    expect(last.status).toBe(429);
    expect(await last.text()).toMatch(/Too many attempts: wait \d+ seconds?/);
    env.clock.advance(60_000);
  });

  it('an Owner whose password is being guessed gets one mail without a link, at most once an hour', async () => {
    const before = (await securityNotices()).length;
    // Failures fed to the services' own limiter, as sign-in and the portal do (without the scrypt cost of each).
    const guess = async (n: number) => {
      for (let i = 0; i < n; i++) {
        env.clock.advance(61_000);
        await (await env.services.deps.guesses.attempt({ person: OWNER_EMAIL, client: '192.0.2.1' })).failed();
      }
    };
    await guess(5);
    const notices = (await securityNotices()).slice(before);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.recipient).toBe(OWNER_EMAIL);
    expect(notices[0]!.text_body).toContain('trying wrong passwords');
    expect(`${notices[0]!.text_body}${notices[0]!.html_body}`).not.toMatch(/https?:|href=/);
    await guess(3);
    expect((await securityNotices()).slice(before)).toHaveLength(1);
    env.clock.advance(NOTICE_INTERVAL_MS);
    await guess(5);
    expect((await securityNotices()).slice(before)).toHaveLength(2);
  });

  it('someone who is not an Owner is slowed down but gets no notice', async () => {
    const before = (await securityNotices()).length;
    env.clock.advance(15 * 60_000);
    await inviteAndAccept(env, await signedIn(env, OWNER_EMAIL), 'admin2@acme.test', 'Admin');
    for (let i = 0; i < 6; i++) {
      env.clock.advance(61_000);
      await (await env.services.deps.guesses.attempt({ person: 'admin2@acme.test', client: '192.0.2.1' })).failed();
    }
    expect(await env.services.deps.guesses.wait({ person: 'admin2@acme.test', client: '192.0.2.1' })).toBeGreaterThan(0);
    expect(await securityNotices()).toHaveLength(before);
  });
});
