import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../src/main/core/clock';
import { createPortalServer } from '../../../src/main/portal/server';
import { createEnv, invite, PASSWORD, registerOwner, signedIn, statusOf, tokenOf, type Caller, type TestEnv } from '../helpers';
import { Browser } from './browser';

let env: TestEnv;
let server: Server;
let base: string;
let owner: Caller;
let changes = 0;

beforeAll(async () => {
  env = await createEnv();
  owner = (await registerOwner(env, { organizationName: 'Acme <Robotics>' })).caller;
  server = createPortalServer(env.services.deps, () => changes++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await env.close();
});

async function inviteLink(email: string, role = 'Admin'): Promise<{ id: number; path: string; token: string }> {
  const id = await invite(owner, email, role);
  const { url } = await owner.members.copyInviteLink({ id });
  return { id, path: new URL(url).pathname, token: tokenOf(url) };
}

describe('invitee portal', () => {
  it('shows the invitation with organization, inviter, role and expiry, escaped, with strict headers', async () => {
    const { path } = await inviteLink('page@acme.test');
    const page = await new Browser(base).get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Acme &#60;Robotics&#62;');
    expect(page.text).not.toContain('Acme <Robotics>');
    expect(page.text).toContain(OWNER_LABEL);
    expect(page.text).toContain('Admin');
    expect(page.text).toMatch(/Valid until/);
    expect(page.res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.res.headers.get('cache-control')).toBe('no-store');
    expect(page.res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.text).not.toMatch(/<script/i);
  });

  it("shows the expiry in the organization's time zone, as people write it, with the zone's name", async () => {
    const settings = await owner.organizations.settings();
    await owner.organizations.updateSettings({ ...settings, timeZone: 'Europe/Paris' });
    try {
      const id = await invite(owner, 'paris@acme.test', 'Admin');
      const { url, expiresAt } = await owner.members.copyInviteLink({ id });
      const page = await new Browser(base).get(new URL(url).pathname);
      // What a clock in Paris shows at that moment, written out in full.
      const at = new Date(expiresAt);
      const paris = (o: Intl.DateTimeFormatOptions) => at.toLocaleString('en-GB', { timeZone: 'Europe/Paris', ...o });
      const expected = `${paris({ weekday: 'long' })} ${paris({ day: 'numeric' })} ${paris({ month: 'long' })} ${paris({ year: 'numeric' })}, ${paris({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })} (Europe/Paris)`;
      expect(expected).toMatch(/^[A-Z][a-z]+day \d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2} \(Europe\/Paris\)$/);
      expect(page.text).toContain(`<dt>Valid until</dt><dd>${expected}</dd>`);
      expect(page.text).not.toContain('GMT');
    } finally {
      // Puts the earlier copy back on purpose: without its (now stale) version, as an older client would.
      await owner.organizations.updateSettings({ ...settings, version: undefined });
    }
  });

  it('accept with a password: the member becomes Accepted, the admin table is told, and the person signs in', async () => {
    const { id, path } = await inviteLink('accept@acme.test');
    const before = changes;
    const browser = new Browser(base);
    const done = await browser.submit(path, `${path}/accept`, { password: PASSWORD, confirm: PASSWORD });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Your invitation is accepted');
    expect(done.text).toContain('Sign in to Roster with your email address');
    expect(await statusOf(owner, id)).toBe('accepted');
    expect(changes).toBe(before + 1);
    const admin = await signedIn(env, 'accept@acme.test');
    expect((await admin.auth.state()).me?.email).toBe('accept@acme.test');
    // The link is single use.
    const again = await browser.get(path);
    expect(again.status).toBe(410);
    expect(again.text).toContain('already used');
  });

  it('refuses a weak or mismatched password and says what to fix, granting nothing', async () => {
    const { id, path } = await inviteLink('weak@acme.test');
    const browser = new Browser(base);
    const mismatch = await browser.submit(path, `${path}/accept`, { password: PASSWORD, confirm: 'something else entirely' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('The two passwords are different');
    const short = await browser.submit(path, `${path}/accept`, { password: 'short', confirm: 'short' });
    expect(short.status).toBe(400);
    expect(short.text).toContain('too short');
    expect(await statusOf(owner, id)).toBe('pending');
  });

  it('decline asks for confirmation, then marks the member Declined', async () => {
    const { id, path } = await inviteLink('decline@acme.test');
    const browser = new Browser(base);
    const confirm = await browser.get(`${path}/decline`);
    expect(confirm.text).toContain('Decline the invitation?');
    expect(await statusOf(owner, id)).toBe('pending');
    const done = await browser.submit(`${path}/decline`, `${path}/decline`, {});
    expect(done.text).toContain('Invitation declined');
    expect(await statusOf(owner, id)).toBe('declined');
  });

  it('a POST without the CSRF value is refused and changes nothing', async () => {
    const { id, path } = await inviteLink('csrf@acme.test');
    const browser = new Browser(base);
    await browser.get(path);
    const forged = await browser.post(`${path}/accept`, { password: PASSWORD, confirm: PASSWORD });
    expect(forged.status).toBe(403);
    const otherBrowser = await new Browser(base).post(`${path}/accept`, { csrf: 'x'.repeat(43), password: PASSWORD, confirm: PASSWORD });
    expect(otherBrowser.status).toBe(403);
    expect(await statusOf(owner, id)).toBe('pending');
  });

  it('cancelled, superseded and unknown links each get their own clear page; an unknown token reads like a wrong one', async () => {
    const cancelled = await inviteLink('cancelled@acme.test');
    await owner.members.cancel({ ids: [cancelled.id] });
    const c = await new Browser(base).get(cancelled.path);
    expect(c.status).toBe(410);
    expect(c.text).toContain('cancelled');

    const resent = await inviteLink('resent@acme.test');
    await owner.members.resend({ ids: [resent.id] });
    const s = await new Browser(base).get(resent.path);
    expect(s.text).toContain('A newer link was sent to you');

    const unknown = await new Browser(base).get(`/invite/${'A'.repeat(43)}`);
    const malformed = await new Browser(base).get('/invite/not-a-token');
    expect(unknown.status).toBe(410);
    expect(unknown.text).toBe(malformed.text);
  });

  it('two concurrent accepts of one link: exactly one wins', async () => {
    const { id, path } = await inviteLink('race@acme.test');
    const a = new Browser(base);
    const b = new Browser(base);
    const pa = await a.get(path);
    const pb = await b.get(path);
    const csrfA = /name="csrf" value="([^"]+)"/.exec(pa.text)![1]!;
    const csrfB = /name="csrf" value="([^"]+)"/.exec(pb.text)![1]!;
    const results = await Promise.all([
      a.post(`${path}/accept`, { csrf: csrfA, password: PASSWORD, confirm: PASSWORD }),
      b.post(`${path}/accept`, { csrf: csrfB, password: PASSWORD, confirm: PASSWORD }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 410]);
    expect(await statusOf(owner, id)).toBe('accepted');
  });

  it('password reset sets a new password and does not sign anyone in; the old password stops working', async () => {
    const { id, path } = await inviteLink('reset@acme.test');
    await new Browser(base).submit(path, `${path}/accept`, { password: PASSWORD, confirm: PASSWORD });
    await owner.members.sendPasswordReset({ ids: [id] });
    const resetUrl = [...env.mail].reverse().find((m) => m.email === 'reset@acme.test' && m.kind === 'password_reset')!.url;
    const resetPath = new URL(resetUrl).pathname;
    const browser = new Browser(base);
    const fresh = 'a brand new passphrase here';
    const done = await browser.submit(resetPath, `${resetPath}/accept`, { password: fresh, confirm: fresh });
    expect(done.text).toContain('Password changed');
    expect(done.text).not.toContain('roster_session');
    const signIn = env.caller();
    await expect(signIn.auth.signIn({ email: 'reset@acme.test', password: PASSWORD })).rejects.toThrow('The email or password is wrong.');
    await signIn.auth.signIn({ email: 'reset@acme.test', password: fresh });
  });

  it('reactivation: the member stays deactivated until they accept the link', async () => {
    const { id, path } = await inviteLink('react@acme.test');
    await new Browser(base).submit(path, `${path}/accept`, { password: PASSWORD, confirm: PASSWORD });
    await owner.members.deactivate({ ids: [id] });
    await owner.members.reactivate({ ids: [id] });
    expect(await statusOf(owner, id)).toBe('deactivated');
    const url = [...env.mail].reverse().find((m) => m.email === 'react@acme.test' && m.kind === 'reactivation')!.url;
    const p = new URL(url).pathname;
    const done = await new Browser(base).submit(p, `${p}/accept`, {});
    expect(done.text).toContain('Access reactivated');
    expect(await statusOf(owner, id)).toBe('accepted');
  });

  it('an expired link gets its own page', async () => {
    const { path } = await inviteLink('late@acme.test');
    env.clock.advance(7 * DAY_MS + 1);
    const page = await new Browser(base).get(path);
    expect(page.status).toBe(410);
    expect(page.text).toContain('expired');
  });
});

const OWNER_LABEL = 'owner@acme.test';

describe('portal rate limits', () => {
  it('answers 429 once a link token has been tried too often', async () => {
    const { createServer } = await import('node:http');
    const { createPortalHandler } = await import('../../../src/main/portal/routes');
    const { RateLimiter } = await import('../../../src/main/portal/security');
    const handle = createPortalHandler({ deps: env.services.deps, perToken: new RateLimiter(3, 60_000, () => env.clock.now().getTime()) });
    const limited = createServer((req, res) => void handle(req, res));
    await new Promise<void>((r) => limited.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(limited.address() as AddressInfo).port}/invite/${'B'.repeat(43)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(url)).status);
    expect(statuses).toEqual([410, 410, 410, 429, 429]);
    env.clock.advance(61_000);
    expect((await fetch(url)).status).toBe(410);
    limited.close();
  });
});

describe('phone code step', () => {
  it('texts a 6-digit code through the SMS webhook; a wrong code counts, a new code does not reset the count, the right one accepts', async () => {
    const { createServer } = await import('node:http');
    const received: { to: string; code: string; text: string }[] = [];
    const gateway = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const webhook = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
    // Earlier tests moved the clock past the idle lock: sign in again.
    owner = await signedIn(env, OWNER_LABEL);
    const settings = await owner.organizations.settings();
    await expect(owner.organizations.updateSettings({ ...settings, requirePhone: true, smsWebhookUrl: null })).rejects.toThrow('SMS gateway');
    await owner.organizations.updateSettings({ ...settings, requirePhone: true, smsWebhookUrl: webhook });

    const { id, path } = await inviteLink('phone@acme.test');
    const browser = new Browser(base);
    const first = await browser.get(path);
    expect(first.text).toContain('Mobile number');
    const sent = await browser.submit(path, `${path}/phone`, { phone: '+33 6 12 34 56 78' });
    expect(sent.text).toContain('We sent a 6-digit code to +33612345678');
    expect(received).toHaveLength(1);
    expect(received[0]!.to).toBe('+33612345678');
    expect(received[0]!.code).toMatch(/^\d{6}$/);
    const csrf = /name="csrf" value="([^"]+)"/.exec(sent.text)![1]!;

    const wrong = received[0]!.code === '000000' ? '111111' : '000000';
    const bad = await browser.post(`${path}/accept`, { csrf, phone: '+33612345678', code: wrong, password: PASSWORD, confirm: PASSWORD });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('This code is not right');
    expect(await statusOf(owner, id)).toBe('pending');
    // Codes are stored hashed.
    const stored = await env.store.db.selectFrom('phone_code').select('code_hash').execute();
    expect(stored.every((r) => !r.code_hash.includes(received[0]!.code))).toBe(true);

    // A new code: the old one stops working, and failures keep counting toward the limit.
    await browser.post(`${path}/phone`, { csrf, phone: '+33612345678' });
    expect(received).toHaveLength(2);
    const old = await browser.post(`${path}/accept`, { csrf, phone: '+33612345678', code: received[0]!.code === received[1]!.code ? wrong : received[0]!.code, password: PASSWORD, confirm: PASSWORD });
    expect(old.status).toBe(400);
    const attempts = await env.store.db.selectFrom('phone_attempt').select('failures').where('member_id', '=', id).executeTakeFirstOrThrow();
    expect(attempts.failures).toBe(2);

    const ok = await browser.post(`${path}/accept`, { csrf, phone: '+33612345678', code: received[1]!.code, password: PASSWORD, confirm: PASSWORD });
    expect(ok.status).toBe(200);
    expect(await statusOf(owner, id)).toBe('accepted');
    const detail = await owner.members.detail({ id });
    expect(detail.phone).toBe('+33612345678');

    // After five failures no more attempts are taken, even with a new code.
    const locked = await inviteLink('locked@acme.test');
    const b2 = new Browser(base);
    const s2 = await b2.submit(locked.path, `${locked.path}/phone`, { phone: '+33612345679' });
    const csrf2 = /name="csrf" value="([^"]+)"/.exec(s2.text)![1]!;
    const right = received.at(-1)!.code;
    const notRight = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) await b2.post(`${locked.path}/accept`, { csrf: csrf2, phone: '+33612345679', code: notRight, password: PASSWORD, confirm: PASSWORD });
    const after = await b2.post(`${locked.path}/accept`, { csrf: csrf2, phone: '+33612345679', code: right, password: PASSWORD, confirm: PASSWORD });
    expect(after.status).toBe(429);
    expect(await statusOf(owner, locked.id)).toBe('pending');

    await owner.organizations.updateSettings({ ...settings, requirePhone: false, smsWebhookUrl: null, version: undefined });
    gateway.close();
  });
});
