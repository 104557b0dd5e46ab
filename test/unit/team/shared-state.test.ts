import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, TEMPLATE_DATABASE } from '../../support/postgres';
import { startSmtp, type TestSmtp } from '../../support/smtp';
import { TEST_STORE } from '../helpers';
import { Browser, CallFailed, startWebProcess, type WebProcess } from './web-process';

/**
 * Team mode, issue 13: what used to live in one process's memory (sessions, the idle lock, the
 * guess limiter, the portal's one-time codes and rate limits) is shared by every process on one
 * PostgreSQL; the invitee pages run as their own process (`npm run portal`); background changes are
 * announced. Real child processes (web mode: `npx electron-vite build` first; the portal: tsx).
 */

const OWNER = 'owner@acme.test';
const PASSWORD = 'correct horse battery staple';
const ROOT = resolve(__dirname, '../../..');

interface Member {
  id: number;
  email: string;
  status: string;
}

async function listed(b: Browser): Promise<Member[]> {
  return (await b.query<{ items: Member[] }>('members.list', { limit: 200 })).items;
}

async function refusal(p: Promise<unknown>): Promise<CallFailed['error']> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CallFailed) return e.error;
    throw e;
  }
  throw new Error('the call was not refused');
}

/** `npm run portal` as a real process (what the script runs); resolves once it listens, or with its exit. */
async function startPortal(args: string[]): Promise<{ base: string | null; output(): string; code: Promise<number | null>; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/portal.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ROSTER_DATABASE_URL: '' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  let exited = false;
  void code.then(() => (exited = true));
  while (!/listening on (\S+)/.test(out) && !exited) await new Promise((r) => setTimeout(r, 50));
  const base = /listening on (\S+)/.exec(out)?.[1] ?? null;
  return {
    base,
    output: () => out,
    code,
    stop: async () => {
      if (!exited) {
        child.kill('SIGTERM');
        await code;
      }
    },
  };
}

/** An invitee's browser on some process's invitee pages: the form's CSRF cookie and value, then posts. */
class Invitee {
  private cookie = '';
  csrf = '';
  constructor(readonly path: string) {}
  async open(base: string): Promise<string> {
    const res = await fetch(`${base}${this.path}`, { headers: { cookie: this.cookie } });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    const text = await res.text();
    this.csrf = /name="csrf" value="([^"]+)"/.exec(text)?.[1] ?? this.csrf;
    return text;
  }
  async post(base: string, step: string, fields: Record<string, string>): Promise<{ status: number; text: string }> {
    const res = await fetch(`${base}${this.path}/${step}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookie },
      body: new URLSearchParams({ csrf: this.csrf, ...fields }),
    });
    return { status: res.status, text: await res.text() };
  }
}

// Skipped on the SQLite run: it needs the run's PostgreSQL cluster (ROSTER_TEST_STORE=postgres), and on
// SQLite one data folder has exactly one process (data-lock.test.ts; the portal process refuses, tested below).
describe.skipIf(TEST_STORE !== 'postgres')('team mode: sessions, limits and codes shared by two processes (needs PostgreSQL)', () => {
  let database: { url: string; drop(): Promise<void> };
  let a: WebProcess;
  let b: WebProcess;
  let ownerA: Browser;
  let adminRole: number;
  let sms: Server;
  let smtp: TestSmtp;
  let webhook: string;
  const texts: Array<{ to: string; code: string }> = [];

  beforeAll(async () => {
    database = await createTestDatabase(inject('pgAdminUrl'), { from: TEMPLATE_DATABASE });
    // A mails (its outcomes are background changes B must hear of); B has no SMTP server and sends nothing.
    smtp = await startSmtp();
    [a, b] = await Promise.all([startWebProcess(database.url, { ROSTER_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, ROSTER_MAIL_FROM: 'roster@acme.test' }), startWebProcess(database.url)]);
    ownerA = new Browser(a);
    await ownerA.mutation('auth.register', { organizationName: 'Acme', email: OWNER, password: PASSWORD }).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${a.output()}`);
    });
    adminRole = (await ownerA.query<Array<{ id: number; name: string }>>('roles.list')).find((r) => r.name === 'Admin')!.id;
    // The organization's SMS gateway: records the codes the processes text.
    sms = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        texts.push(JSON.parse(body) as { to: string; code: string });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => sms.listen(0, '127.0.0.1', r));
    webhook = `http://127.0.0.1:${(sms.address() as AddressInfo).port}/sms`;
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await smtp?.close();
    await new Promise<void>((r) => (sms ? sms.close(() => r()) : r()));
    await database?.drop();
  });

  const inviteLink = async (email: string) => {
    const id = (await ownerA.mutation<{ invited: Array<{ memberId: number }> }>('members.invite', { entries: [{ email }], grants: { roleIds: [adminRole] } })).invited[0]!.memberId;
    const { url } = await ownerA.mutation<{ url: string }>('members.copyInviteLink', { id });
    return { id, path: new URL(url).pathname };
  };

  it('a session signed in on A works on B, and signing out on B ends it on A (its open /events stream closes)', async () => {
    const onA = new Browser(a);
    expect(await onA.mutation<{ ok: boolean }>('auth.signIn', { email: OWNER, password: PASSWORD })).toMatchObject({ ok: true });
    // The same browser's cookie, sent to the other process.
    const onB = new Browser(b);
    onB.cookie = onA.cookie;
    expect((await listed(onB)).map((m) => m.email)).toContain(OWNER);
    const stream = await onA.openEvents();
    await onB.mutation('auth.signOut', {});
    await stream.closed;
    const ended = await refusal(listed(onA));
    expect(ended.code).toBe('UNAUTHORIZED');
    expect(ended.message).toMatch(/sign in again/i);
  });

  it('seven wrong passwords at once, spread over A and B: five are checked, two are told to wait, as on one process', async () => {
    // All at once: no wait can pass between them, so the outcome does not depend on how fast the machine is.
    const who = 'guessed@acme.test';
    const answers = await Promise.all(
      [a, b, a, b, a, b, a].map((server, i) =>
        refusal(new Browser(server).mutation('auth.signIn', { email: who, password: `wrong ${i}` })).then((e) => ({ code: e.domainCode ?? e.code, message: e.message })),
      ),
    );
    expect(answers.filter((x) => x.code === 'INVALID_CREDENTIALS')).toHaveLength(5);
    const slowed = answers.filter((x) => x.code === 'RATE_LIMITED');
    expect(slowed).toHaveLength(2);
    for (const x of slowed) expect(x.message).toMatch(/^Too many attempts: wait [1-5] seconds? and try again\.$/);
  }, 180_000);

  it("a mail sent by A (a background change: no command) refreshes admin B's console on the other process", async () => {
    const onB = new Browser(b);
    expect(await onB.mutation<{ ok: boolean }>('auth.signIn', { email: OWNER, password: PASSWORD })).toMatchObject({ ok: true });
    const stream = await onB.openEvents();
    try {
      const invited = stream.next('members-changed');
      const mailed = stream.nextBackground();
      await ownerA.mutation('members.invite', { entries: [{ email: 'badge@acme.test' }], grants: { roleIds: [adminRole] } });
      // First the invitation (a command), then its delivery outcome (A's sender, announced as a background change).
      await invited;
      await smtp.waitFor(1);
      await mailed;
      // What B's console then reads: the delivery badge says sent.
      const row = (await onB.query<{ items: Array<{ email: string; delivery?: { status: string } | null }> }>('members.list', { limit: 200 })).items.find((m) => m.email === 'badge@acme.test');
      expect(row?.delivery).toMatchObject({ status: 'sent' });
    } finally {
      stream.close();
    }
  });

  it("a phone code texted by A's invitee pages is accepted by B's, once", async () => {
    const settings = await ownerA.query<Record<string, unknown>>('organizations.settings');
    await ownerA.mutation('organizations.updateSettings', { ...settings, requirePhone: true, smsWebhookUrl: webhook });
    const { id, path } = await inviteLink('phone@acme.test');
    const invitee = new Invitee(path);
    await invitee.open(a.base);
    const sent = await invitee.post(a.base, 'phone', { phone: '+33 6 12 34 56 78' });
    expect(sent.text).toContain('We sent a 6-digit code to +33612345678');
    const code = texts.at(-1)!.code;
    const accept = { phone: '+33612345678', code, password: PASSWORD, confirm: PASSWORD };
    const accepted = await invitee.post(b.base, 'accept', accept);
    expect(accepted.status).toBe(200);
    expect((await listed(ownerA)).find((m) => m.id === id)).toMatchObject({ status: 'accepted' });
    // The same code and link once more, on A: already used.
    const again = await invitee.post(a.base, 'accept', accept);
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(again.text).toMatch(/already used/i);
    await ownerA.mutation('organizations.updateSettings', { ...(await ownerA.query<Record<string, unknown>>('organizations.settings')), requirePhone: false, smsWebhookUrl: null });
  });

  it("the invitee pages as their own process (npm run portal): an acceptance there shows on the admins' console of a web-mode process live", async () => {
    const portal = await startPortal(['--database-url', database.url, '--port', '0']);
    try {
      expect(portal.base, portal.output()).not.toBeNull();
      // Only the invitee pages: no console, no router.
      expect((await fetch(`${portal.base}/trpc/auth.state`)).status).toBe(404);
      expect((await fetch(`${portal.base}/`)).status).toBe(404);
      const { id, path } = await inviteLink('own-process@acme.test');
      const stream = await ownerA.openEvents();
      try {
        const invitee = new Invitee(path);
        expect(await invitee.open(portal.base!)).toContain('Acme');
        const arrived = stream.next('members-changed');
        const accepted = await invitee.post(portal.base!, 'accept', { password: PASSWORD, confirm: PASSWORD });
        expect(accepted.status).toBe(200);
        await arrived;
        expect((await listed(ownerA)).find((m) => m.id === id)).toMatchObject({ status: 'accepted' });
      } finally {
        stream.close();
      }
    } finally {
      await portal.stop();
    }
  });
});

describe('the portal process without team mode', () => {
  it('refuses a directory on this computer (SQLite) with a message saying team mode is needed', async () => {
    const portal = await startPortal(['--port', '0', '--data-dir', resolve(ROOT, 'no-such-folder')]);
    expect(await portal.code).toBe(3);
    expect(portal.base).toBeNull();
    expect(portal.output()).toMatch(/only in team mode: give --database-url postgres:\/\//);
  });
});
