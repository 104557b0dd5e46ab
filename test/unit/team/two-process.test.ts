import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, TEMPLATE_DATABASE } from '../../support/postgres';
import { startSmtp, type TestSmtp } from '../../support/smtp';
import { TEST_STORE } from '../helpers';
import { Browser, CallFailed, startWebProcess, type WebProcess } from './web-process';

/**
 * Team mode, issue 13: two real web-mode server processes on one PostgreSQL database, each with an
 * admin signed in (two desktops). Needs `npx electron-vite build` first.
 */

const OWNER = 'owner@acme.test';
/** What a process logs once it LISTENs for the other processes' changes (db/notify-postgres.ts). */
const LIVE = /live updates: listening:/;
const PASSWORD = 'correct horse battery staple';

interface Member {
  id: number;
  email: string;
  status: string;
  name: string | null;
  version: number;
}

async function listed(b: Browser): Promise<Member[]> {
  return (await b.query<{ items: Member[] }>('members.list', { limit: 200 })).items;
}

// Skipped on the SQLite run: it needs the run's PostgreSQL cluster (ROSTER_TEST_STORE=postgres; scripts/test.sh runs both),
// and on SQLite one data folder has exactly one process (data-lock.test.ts).
describe.skipIf(TEST_STORE !== 'postgres')('team mode: two server processes on one PostgreSQL database (needs PostgreSQL)', () => {
  let database: { url: string; drop(): Promise<void> };
  let a: WebProcess;
  let b: WebProcess;
  let adminA: Browser;
  let adminB: Browser;
  let adminRole: number;
  // Each process mails through its own SMTP server, so a mail shows which process sent it.
  let smtpA: TestSmtp;
  let smtpB: TestSmtp;

  beforeAll(async () => {
    database = await createTestDatabase(inject('pgAdminUrl'), { from: TEMPLATE_DATABASE });
    [smtpA, smtpB] = await Promise.all([startSmtp(), startSmtp()]);
    const env = (smtp: TestSmtp) => ({ ROSTER_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, ROSTER_MAIL_FROM: 'roster@acme.test' });
    [a, b] = await Promise.all([startWebProcess(database.url, env(smtpA)), startWebProcess(database.url, env(smtpB))]);
    adminA = new Browser(a);
    await adminA.mutation('auth.register', { organizationName: 'Acme', email: OWNER, password: PASSWORD });
    adminB = new Browser(b);
    expect(await adminB.mutation<{ ok: boolean }>('auth.signIn', { email: OWNER, password: PASSWORD })).toMatchObject({ ok: true });
    adminRole = (await adminA.query<Array<{ id: number; name: string }>>('roles.list')).find((r) => r.name === 'Admin')!.id;
    // Each process LISTENs once its services load (after its first call): a change made before that would not reach it.
    await Promise.all([a.waitForOutput(LIVE), b.waitForOutput(LIVE)]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([smtpA?.close(), smtpB?.close()]);
    await database?.drop();
  });

  const invite = (who: Browser, email: string) =>
    who.mutation<{ invited: Array<{ email: string; memberId: number }>; skipped: Array<{ email: string; reason: string; message: string }> }>('members.invite', {
      entries: [{ email }],
      grants: { roleIds: [adminRole] },
    });

  it("admin A's invitation reaches admin B's open console on the other process without a reload", async () => {
    const stream = await adminB.openEvents();
    try {
      const arrived = stream.next('members-changed');
      await invite(adminA, 'live@acme.test');
      // B's stream is told (PostgreSQL NOTIFY → B's listener → /events); the test waits for the event, it does not poll.
      await arrived;
      expect((await listed(adminB)).map((m) => m.email)).toContain('live@acme.test');
    } finally {
      stream.close();
    }
  });

  it('a process is not told about its own changes twice (its own notification is ignored)', async () => {
    const streamA = await adminA.openEvents();
    const streamB = await adminB.openEvents();
    try {
      const arrivedB = streamB.next('members-changed');
      await invite(adminA, 'once@acme.test');
      await arrivedB;
      // B then makes a change of its own: A hears it, so everything before it has been delivered too.
      const arrivedA = streamA.next('members-changed');
      await invite(adminB, 'back@acme.test');
      await arrivedA;
      expect(streamA.count('members-changed')).toBe(1);
    } finally {
      streamA.close();
      streamB.close();
    }
  });

  it('the same address invited on both processes at the same moment makes one member; the other admin is told it is already invited', async () => {
    for (const email of ['race1@acme.test', 'race2@acme.test', 'race3@acme.test']) {
      const answers = await Promise.allSettled([invite(adminA, email), invite(adminB, email)]);
      // Both answer (no 500, no bare "conflicts with something"): one invited it, the other says it is already invited.
      const results = answers.map((r) => {
        if (r.status === 'rejected') throw new Error(`an invite was refused: ${JSON.stringify((r.reason as CallFailed).error ?? String(r.reason))}`);
        return r.value;
      });
      expect(results.flatMap((r) => r.invited).map((m) => m.email)).toEqual([email]);
      const skipped = results.flatMap((r) => r.skipped);
      expect(skipped).toHaveLength(1);
      expect(skipped[0]).toMatchObject({ email, reason: 'already_invited' });
      expect(skipped[0]!.message).toMatch(/already invited/i);
      expect((await listed(adminA)).filter((m) => m.email === email)).toHaveLength(1);
    }
  });

  it('two saves of one member from the same copy on both processes: one is applied, the other is refused as stale', async () => {
    const id = (await invite(adminA, 'edit@acme.test')).invited[0]!.memberId;
    const copyA = (await listed(adminA)).find((m) => m.id === id)!;
    const copyB = (await listed(adminB)).find((m) => m.id === id)!;
    expect(copyB.version).toBe(copyA.version);
    const answers = await Promise.allSettled([
      adminA.mutation('members.edit', { id, name: 'Edited on A', version: copyA.version }),
      adminB.mutation('members.edit', { id, name: 'Edited on B', version: copyB.version }),
    ]);
    expect(answers.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = (answers.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as CallFailed;
    expect(refused).toBeInstanceOf(CallFailed);
    expect(refused.error.status).toBe(409);
    expect(refused.error.domainCode).toBe('STALE');
    expect(refused.error.message).toMatch(/^Changed by owner@acme\.test at .+ UTC: reload to see it\.$/);
    const now = (await listed(adminB)).find((m) => m.id === id)!;
    expect(['Edited on A', 'Edited on B']).toContain(now.name);
    expect(now.version).toBeGreaterThan(copyA.version);
  });
  it("an invitee accepting on A's invitee pages shows on admin B's console without a reload", async () => {
    const stream = await adminB.openEvents();
    try {
      let arrived = stream.next('members-changed');
      const id = (await invite(adminA, 'portal@acme.test')).invited[0]!.memberId;
      await arrived;
      arrived = stream.next('members-changed');
      const { url } = await adminA.mutation<{ url: string }>('members.copyInviteLink', { id });
      await arrived;
      // The invitee's browser on A's invitee pages: the form (its CSRF cookie and value), then the post.
      const token = url.split('/').pop()!;
      const form = await fetch(`${a.base}/invite/${token}`);
      const cookie = form.headers.get('set-cookie')!.split(';')[0]!;
      const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
      arrived = stream.next('members-changed');
      const accepted = await fetch(`${a.base}/invite/${token}/accept`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ csrf, password: PASSWORD, confirm: PASSWORD }),
      });
      expect(accepted.ok).toBe(true);
      await arrived;
      expect((await listed(adminB)).find((m) => m.id === id)).toMatchObject({ status: 'accepted' });
    } finally {
      stream.close();
    }
  });

  it("a change in another organization does not reach this organization's consoles on the other process", async () => {
    const beta = await adminA.mutation<{ id: number }>('organizations.create', { name: 'Beta' });
    const betaA = new Browser(a);
    const betaB = new Browser(b);
    for (const who of [betaA, betaB]) expect(await who.mutation<{ ok: boolean }>('auth.signIn', { email: OWNER, password: PASSWORD, organizationId: beta.id })).toMatchObject({ ok: true });
    const betaAdmin = (await betaA.query<Array<{ id: number; name: string }>>('roles.list')).find((r) => r.name === 'Admin')!.id;
    const acmeOnB = await adminB.openEvents();
    const betaOnB = await betaB.openEvents();
    try {
      // Acme first, then Beta twice: B's listener gets them in this order, so Beta's console has
      // seen whatever Acme's change would have brought it by the time Beta's second one arrives.
      const acmeArrived = acmeOnB.next('members-changed');
      await invite(adminA, 'acme-only@acme.test');
      await acmeArrived;
      for (const email of ['beta1@beta.test', 'beta2@beta.test']) {
        const betaArrived = betaOnB.next('members-changed');
        await betaA.mutation('members.invite', { entries: [{ email }], grants: { roleIds: [betaAdmin] } });
        await betaArrived;
      }
      expect(betaOnB.count('members-changed')).toBe(2);
      expect(acmeOnB.count('members-changed')).toBe(1);
      expect((await listed(betaB)).map((m) => m.email)).not.toContain('acme-only@acme.test');
    } finally {
      acmeOnB.close();
      betaOnB.close();
    }
  });

  // Last in this block: it stops both processes to count what they sent.
  it('both outbox senders drain at once (B is woken by A\'s notification): each invitation is mailed exactly once', async () => {
    const emails = Array.from({ length: 30 }, (_, i) => `drain${i}@acme.test`);
    const seen = new Map<string, number>();
    let allSeen: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (allSeen = resolve));
    const watch = (mail: { to: string[] }) => {
      for (const t of mail.to) if (emails.includes(t)) seen.set(t, (seen.get(t) ?? 0) + 1);
      if (seen.size === emails.length) allSeen();
      return undefined;
    };
    smtpA.onData = watch;
    smtpB.onData = watch;
    await adminA.mutation('members.invite', { entries: emails.map((email) => ({ email })), grants: { roleIds: [adminRole] } });
    await arrived;
    // Both stop (each finishes or abandons what it holds): nothing more can go out, so the counts are final.
    await Promise.all([a.stop(), b.stop()]);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const rows = new pg.Client({ connectionString: database.url });
    await rows.connect();
    try {
      const r = await rows.query("SELECT status, count(*)::int AS n FROM mail_outbox WHERE recipient LIKE 'drain%' GROUP BY status");
      expect(r.rows).toEqual([{ status: 'sent', n: emails.length }]);
    } finally {
      await rows.end();
    }
  });
});

describe.skipIf(TEST_STORE !== 'postgres')('team mode: a process killed while holding outbox claims (needs PostgreSQL)', () => {
  let database: { url: string; drop(): Promise<void> };
  // Each process has its own SMTP server: A's never answers (A's sends hang while it holds their claims), B's accepts.
  let smtpA: TestSmtp;
  let smtpB: TestSmtp;
  let a: WebProcess;
  let b: WebProcess;
  let heldByA = 0;
  let onHeld: () => void = () => undefined;
  // B starts once A holds claims: a B already running is woken by A's notification and may claim every
  // invitation before A does (a busy machine schedules it first), leaving A nothing to be killed holding.
  let startB: () => Promise<WebProcess>;

  beforeAll(async () => {
    database = await createTestDatabase(inject('pgAdminUrl'), { from: TEMPLATE_DATABASE });
    [smtpA, smtpB] = await Promise.all([startSmtp(), startSmtp()]);
    smtpA.onRcptTo = () => {
      heldByA++;
      onHeld();
      return 'hold';
    };
    // NODE_ENV=test: B's clock can be moved past A's leases (/__test/clock).
    const env = (smtp: TestSmtp) => ({ NODE_ENV: 'test', ROSTER_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, ROSTER_MAIL_FROM: 'roster@acme.test' });
    a = await startWebProcess(database.url, env(smtpA));
    startB = async () => (b = await startWebProcess(database.url, env(smtpB)));
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([smtpA?.close(), smtpB?.close()]);
    await database?.drop();
  });

  it('after the lease the other process sends each invitation exactly once', async () => {
    const ownerA = new Browser(a);
    await ownerA.mutation('auth.register', { organizationName: 'Acme', email: OWNER, password: PASSWORD });
    const adminRole = (await ownerA.query<Array<{ id: number; name: string }>>('roles.list')).find((r) => r.name === 'Admin')!.id;
    const emails = Array.from({ length: 6 }, (_, i) => `crash${i}@acme.test`);
    const held = new Promise<void>((resolve) => (onHeld = resolve));
    await ownerA.mutation('members.invite', { entries: emails.map((email) => ({ email })), grants: { roleIds: [adminRole] } });
    // A is sending at least one of them (its SMTP server holds the recipient): A holds claims. Kill it there.
    await held;
    expect(heldByA).toBeGreaterThan(0);
    const claims = new pg.Client({ connectionString: database.url });
    await claims.connect();
    try {
      const sending = await claims.query("SELECT count(*)::int AS n FROM mail_outbox WHERE status = 'sending'");
      expect(sending.rows[0].n).toBeGreaterThan(0);
    } finally {
      await claims.end();
    }
    a.child.kill('SIGKILL');
    await a.exited;
    await startB();
    // B, later than A's leases: it claims what A held (and whatever was still queued) at its next poll.
    const moved = await fetch(`${b.base}/__test/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceMs: 6 * 60_000 }) });
    expect(moved.status).toBe(200);
    await smtpB.waitFor(emails.length);
    const to = smtpB.received.flatMap((m) => m.to).sort();
    expect(to).toEqual([...emails].sort());
    expect(smtpA.received).toHaveLength(0);
  });
});
