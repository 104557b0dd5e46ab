// npm run bench [-- section…]: figures for Roster's hot paths, each with a ratio against a baseline in the same run.
// Sections: invites, outbox, startup, tables, firstrows, counts, search, sync, browser, stores, router (default: all; browser needs `npx electron-vite build`). BENCH_SMALL/BENCH_LARGE size the directory sections.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import nodemailer from 'nodemailer';
import { createContextInner, memoryCarrier } from '../../src/main/api/context';
import { createCaller } from '../../src/main/api/router';
import { systemClock } from '../../src/main/core/clock';
import { hashToken, newToken } from '../../src/main/core/tokens';
import { openStore } from '../../src/main/db/connect';
import { createMail } from '../../src/main/mail';
import { fileSecretBox } from '../../src/main/mail/secrets';
import { createServices } from '../../src/main/services';
import type { AdminActor } from '../../src/main/services/actor';
import { inviteMembers } from '../../src/main/services/members';
import { loadAuthz, registerOwner } from '../../src/main/services/organizations';
import { benchBrowser } from './browser';
import { benchDirectory } from './directory';
import { batchEntries, timedInviteBatch } from './invite-batch';
import { benchRouter } from './router';
import { benchStores } from './stores';
import { benchSync } from './sync';

const INVITES = Number(process.env.BENCH_INVITES ?? 100_000);
const MAILS = Number(process.env.BENCH_MAILS ?? 2_000);
/** Connections the outbox's pool opens (the default of mail/transport.ts), also the size of the direct pool baseline. */
const POOL = 5;
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 1_000_000);

function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

async function benchInvites(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-'));
  try {
    const store = await openStore(join(dir, 'roster.sqlite'));
    const { ms: domainMs, organizationId } = await timedInviteBatch(store, INVITES);
    const entries = batchEntries(INVITES);

    // Baseline: the same member rows and link rows, straight through prepared statements in one transaction.
    const raw = store.sqlite!;
    raw.exec('CREATE TABLE raw_member AS SELECT * FROM member WHERE 0; CREATE TABLE raw_link AS SELECT * FROM link WHERE 0;');
    const insertMember = raw.prepare(
      'INSERT INTO raw_member (id, organization_id, email, email_normalized, name, status, invited_at, invite_expires_at, status_changed_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
    );
    const insertLink = raw.prepare('INSERT INTO raw_link (member_id, purpose, token_hash, created_at, expires_at) VALUES (?,?,?,?,?)');
    const now = new Date().toISOString();
    const t1 = performance.now();
    raw.transaction(() => {
      entries.forEach((e, i) => {
        insertMember.run(i + 1, organizationId, e.email, e.email.toLowerCase(), e.name, 'pending', now, now, now, now, now);
        insertLink.run(i + 1, 'invitation', hashToken(newToken()), now, now);
      });
    })();
    const rawMs = performance.now() - t1;

    console.log(`invite ${fmt(INVITES)} addresses in one batch (domain layer: validation, dedupe, grants, links, audit, one transaction)`);
    console.log(`  domain:   ${fmt(domainMs)} ms  ${fmt((INVITES / domainMs) * 1000)} invites/s`);
    console.log(`  raw SQL:  ${fmt(rawMs)} ms  ${fmt((INVITES / rawMs) * 1000)} rows/s (prepared member + link inserts)`);
    console.log(`  ratio:    domain takes ${(domainMs / rawMs).toFixed(2)}x the raw insert`);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The outbox bench's SMTP server in a child process (its own CPU and event loop): its port, the messages it received since reset, close. */
async function smtpChild(): Promise<{ port: number; count(): Promise<number>; reset(): void; close(): Promise<void> }> {
  const child: ChildProcess = fork(join(__dirname, 'smtp-child.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the SMTP server process exited (${code})`)));
    child.once('message', (m) => resolve((m as { ready: number }).ready));
  });
  return {
    port,
    count: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { count: number }).count));
        child.send('count');
      }),
    reset: () => void child.send('reset'),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.send('close');
      }),
  };
}

const OUTBOX_ROUNDS = 3;

/** A full garbage collection now (V8's gc(), exposed for this process without a command-line flag). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
type MailPath = 'outbox' | 'direct' | 'pool';

/**
 * Outbox throughput to a local SMTP server (in its own process), against the same mails sent straight through
 * nodemailer: one connection, and a pool as big as the outbox's. The three run interleaved, OUTBOX_ROUNDS
 * times in a rotating order (each round on a fresh store with MAILS queued invitations), after a warm-up
 * round of 500; prints every round and the median of each figure and ratio.
 */
async function benchOutbox(): Promise<void> {
  const server = await smtpChild();
  const smtp = { host: '127.0.0.1', port: server.port, security: 'none' as const, username: null, password: null, fromName: 'Bench', fromAddress: 'roster@bench.test' };
  const expectReceived = async (what: string, n: number): Promise<void> => {
    const got = await server.count();
    if (got !== n) throw new Error(`${what}: the server received ${got} messages, expected ${n}`);
  };

  /** One round: a fresh store with n queued invitations, then the three paths in the given order; milliseconds of each. */
  const round = async (n: number, order: MailPath[]): Promise<{ ms: Record<MailPath, number>; cpu: Record<MailPath, number> }> => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-bench-mail-'));
    try {
      const store = await openStore(join(dir, 'roster.sqlite'));
      const mail = createMail({ db: store.db, clock: systemClock, secrets: fileSecretBox(dir), env: smtp });
      const services = createServices({ db: store.db, clock: systemClock, publicBaseUrl: () => 'http://127.0.0.1:8450', notifier: mail.notifier, mail });
      const { organizationId, memberId, personId } = await registerOwner(services.deps, { organizationName: 'Bench Mail', email: 'owner@bench.test', password: 'correct horse battery staple' });
      const authz = await loadAuthz(store.db, organizationId, memberId);
      const actor: AdminActor = { personId, memberId, label: 'owner@bench.test', authz };
      const memberRole = await store.db.selectFrom('role').select('id').where('organization_id', '=', organizationId).where('builtin', '=', 'member').executeTakeFirstOrThrow();
      await store.db.updateTable('organization').set({ block_disposable: 0 }).execute();
      const entries = Array.from({ length: n }, (_, i) => ({ email: `reader${i}@example${i % 13}.com`, name: `Reader ${i}` }));
      await inviteMembers(services.deps, actor, organizationId, { entries, grants: { roleIds: [memberRole.id], accountIds: [], permissions: [] }, resendExisting: false });
      // Read before the drain, which clears the bodies once sent.
      const rows = await store.db.selectFrom('mail_outbox').select(['recipient', 'recipient_name', 'subject', 'text_body', 'html_body']).execute();
      if (rows.length !== n) throw new Error(`${rows.length} mails queued, expected ${n}`);
      // The setup's writes are not the drain's: checkpoint them out of the WAL and let the disk settle before timing.
      store.sqlite?.pragma('wal_checkpoint(TRUNCATE)');
      await new Promise((resolve) => setTimeout(resolve, 1000));

      const ms = {} as Record<MailPath, number>;
      const cpu = {} as Record<MailPath, number>;
      for (const path of order) {
        server.reset();
        // Each path starts on a collected heap: the garbage of the setup (or of the path before) is not its cost.
        collectGarbage();
        // CPU time of this process (the server has its own): a figure the other load on the machine disturbs less than the clock.
        const cpu0 = process.cpuUsage();
        if (path === 'outbox') {
          const t0 = performance.now();
          const drained = await mail.sender.drainAll();
          ms.outbox = performance.now() - t0;
          await mail.sender.stop();
          if (drained.sent !== n) throw new Error(`outbox sent ${drained.sent}, expected ${n}`);
        } else {
          // The same mails straight through nodemailer, no store, no bookkeeping.
          const maxConnections = path === 'direct' ? 1 : POOL;
          const direct = nodemailer.createTransport({ pool: true, maxConnections, maxMessages: Infinity, host: '127.0.0.1', port: server.port, secure: false, ignoreTLS: true });
          const t1 = performance.now();
          await Promise.all(
            rows.map((r) =>
              direct.sendMail({
                from: { name: 'Bench', address: 'roster@bench.test' },
                to: r.recipient_name ? { name: r.recipient_name, address: r.recipient } : r.recipient,
                subject: r.subject,
                text: r.text_body ?? '',
                html: r.html_body ?? undefined,
              }),
            ),
          );
          ms[path] = performance.now() - t1;
          direct.close();
        }
        const used = process.cpuUsage(cpu0);
        cpu[path] = (used.user + used.system) / 1000;
        await expectReceived(path, n);
      }
      await store.close();
      return { ms, cpu };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  try {
    // Warm-up, so that no path pays for compiling nodemailer's, Kysely's or the sender's code.
    await round(500, ['pool', 'direct', 'outbox']);
    const paths: MailPath[] = ['outbox', 'direct', 'pool'];
    const rounds: Record<MailPath, number>[] = [];
    const cpus: Record<MailPath, number>[] = [];
    console.log(`mail ${fmt(MAILS)} invitations to a local SMTP server in its own process, ${OUTBOX_ROUNDS} interleaved rounds (each on a fresh store)`);
    const rate = (ms: number) => (MAILS / ms) * 1000;
    for (let r = 0; r < OUTBOX_ROUNDS; r++) {
      const order = [...paths.slice(r % 3), ...paths.slice(0, r % 3)];
      const { ms, cpu } = await round(MAILS, order);
      rounds.push(ms);
      cpus.push(cpu);
      console.log(
        `  round ${r + 1} (${order.join(', ')}): outbox ${fmt(ms.outbox)} ms, direct ${fmt(ms.direct)} ms, pool ${fmt(ms.pool)} ms;` +
          ` outbox ${(ms.direct / ms.outbox).toFixed(2)}x direct, ${(ms.pool / ms.outbox).toFixed(2)}x pool` +
          ` (CPU: outbox ${fmt(cpu.outbox)} ms, direct ${fmt(cpu.direct)} ms, pool ${fmt(cpu.pool)} ms)`,
      );
    }
    const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const m = (path: MailPath) => mid(rounds.map((x) => x[path]));
    const c = (path: MailPath) => fmt(mid(cpus.map((x) => x[path])));
    console.log(`  outbox:   ${fmt(m('outbox'))} ms  ${fmt(rate(m('outbox')))} messages/s, CPU ${c('outbox')} ms (median; claim ahead in batches, pool of ${POOL}, outcomes committed in batches, clear bodies)`);
    console.log(`  direct:   ${fmt(m('direct'))} ms  ${fmt(rate(m('direct')))} messages/s, CPU ${c('direct')} ms (median; one nodemailer connection, no store)`);
    console.log(`  pool:     ${fmt(m('pool'))} ms  ${fmt(rate(m('pool')))} messages/s, CPU ${c('pool')} ms (median; a nodemailer pool of ${POOL}, no store)`);
    const vsDirect = mid(rounds.map((x) => x.direct / x.outbox));
    const vsPool = mid(rounds.map((x) => x.pool / x.outbox));
    console.log(`  ratio:    outbox sends ${vsDirect.toFixed(2)}x the messages/s of one direct connection (goal >= 1.5), ${vsPool.toFixed(2)}x a direct pool of ${POOL} (goal >= 0.8) (medians of the rounds' ratios)`);
  } finally {
    await server.close();
  }
}

/**
 * Milliseconds from spawning `node args…` until it answers its first HTTP request: once it prints
 * "listening on http://…", GET `path` there and wait for the whole 200 answer; the process is then stopped.
 */
function timeToFirstAnswer(args: string[], path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let asked = false;
    const stop = (outcome: () => void) => {
      child.once('exit', outcome);
      child.kill('SIGTERM');
    };
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (!url || asked) return;
      asked = true;
      get(url + path, (res) => {
        res.resume();
        res.on('end', () => {
          const ms = performance.now() - t0;
          if (res.statusCode === 200) stop(() => resolve(ms));
          else stop(() => reject(new Error(`GET ${path} answered ${res.statusCode}`)));
        });
      }).on('error', (e) => stop(() => reject(e)));
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      if (!asked) reject(new Error(`node ${args.join(' ')} exited with ${code} before it listened: ${err || out}`));
    });
  });
}

/**
 * Web mode from spawn to its first answer, the sign-in page (built out/main/serve.js, an existing
 * store), against a bare Node HTTP server answering the same way.
 */
async function benchStartup(): Promise<void> {
  const built = 'out/main/serve.js';
  if (!existsSync(built)) throw new Error(`${built} is missing: run npx electron-vite build first.`);
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-start-'));
  try {
    const web = [built, '--port', '0', '--data-dir', join(dir, 'data')];
    const bare = ['-e', "const s = require('node:http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + s.address().port))"];
    // The first start creates the store (and, after a build, the compile cache); the timed ones open it, as every later start does.
    await timeToFirstAnswer(web, '/');
    await timeToFirstAnswer(bare, '/');
    const webMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      webMs.push(await timeToFirstAnswer(web, '/'));
      bareMs.push(await timeToFirstAnswer(bare, '/'));
    }
    const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const w = mid(webMs);
    const b = mid(bareMs);
    console.log(`\nstart-up to the first answer (median of 5, alternating)`);
    console.log(`  web mode:  ${fmt(w)} ms (node out/main/serve.js on an existing data folder, GET / = the sign-in page)`);
    console.log(`  bare node: ${fmt(b)} ms (node -e with an http server, GET /)`);
    console.log(`  ratio:     web mode takes ${(w / b).toFixed(2)}x a bare Node server (goal <= 2)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Median of `runs` timed calls after one warm-up. */
async function median(runs: number, fn: () => unknown): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const STATUSES = ['accepted', 'accepted', 'accepted', 'pending', 'pending', 'expired', 'declined', 'cancelled', 'deactivated', 'deleted'];

async function benchMemberTables(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-'));
  try {
    const store = await openStore(join(dir, 'roster.sqlite'));
    const services = createServices({ db: store.db, clock: systemClock, publicBaseUrl: () => 'http://127.0.0.1:8450' });
    const caller = createCaller(createContextInner({ services, sessionCarrier: memoryCarrier() }));
    await caller.auth.register({ organizationName: 'Bench Org', email: 'owner@bench.test', password: 'correct horse battery staple' });
    const me = (await caller.auth.state()).me!;
    const org = me.organization.id;

    // Seed: raw prepared inserts in one transaction (the FTS triggers and indexes are maintained as they go).
    const raw = store.sqlite!;
    const insert = raw.prepare(
      'INSERT INTO member (organization_id, email, email_normalized, name, phone, phone_digits, status, invited_at, invite_expires_at, accepted_at, status_changed_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
    );
    const base = Date.parse('2024-01-01T00:00:00.000Z');
    const far = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const t0 = performance.now();
    raw.transaction(() => {
      for (let i = 0; i < MEMBERS; i++) {
        const status = STATUSES[i % STATUSES.length]!;
        const at = new Date(base + i * 1000).toISOString();
        const email = `person${i}@example${i % 97}.com`;
        const digits = `1415${String(i).padStart(7, '0')}`;
        insert.run(org, email, email, `Person ${i}`, `+${digits}`, digits, status, at, status === 'pending' ? far : null, status === 'accepted' ? at : null, at, at, at);
      }
    })();
    const seedMs = performance.now() - t0;
    raw.exec('ANALYZE');
    console.log(`\nmember tables with ${fmt(MEMBERS)} members (seeded in ${fmt(seedMs)} ms through raw prepared inserts, with indexes and FTS triggers)`);

    const cols = 'id, organization_id, person_id, email, email_normalized, name, phone, phone_digits, status, invited_by_member_id, invited_at, invite_expires_at, accepted_at, status_changed_at, created_at, updated_at, invited_at AS sort_key';
    const firstSql = raw.prepare(`SELECT ${cols} FROM member WHERE organization_id = ? AND status = ? ORDER BY invited_at DESC, id DESC LIMIT 51`);
    const afterSql = raw.prepare(`SELECT ${cols} FROM member WHERE organization_id = ? AND status = ? AND (invited_at, id) < (?, ?) ORDER BY invited_at DESC, id DESC LIMIT 51`);
    const nullTailSql = raw.prepare(`SELECT ${cols} FROM member WHERE organization_id = ? AND status = ? AND invited_at IS NULL ORDER BY id DESC LIMIT ?`);
    const searchSql = raw.prepare(
      `SELECT ${cols} FROM member WHERE organization_id = ? AND status <> 'deleted' AND id IN (SELECT rowid FROM member_search WHERE member_search MATCH ?) ORDER BY invited_at DESC, id DESC LIMIT 51`,
    );
    // The cursor "Show more" would reach at the end of the Active tab: the 51st row from the end.
    const tail = raw.prepare("SELECT invited_at AS value, id FROM member WHERE organization_id = ? AND status = 'accepted' ORDER BY invited_at ASC, id ASC LIMIT 1 OFFSET 50").get(org) as { value: string; id: number };

    const cases: { label: string; router: () => Promise<{ items: unknown[] }>; raw: () => unknown[] }[] = [
      {
        label: 'Active tab, first page',
        router: () => caller.members.list({ status: 'accepted', limit: 50 }),
        raw: () => firstSql.all(org, 'accepted'),
      },
      {
        label: 'Active tab, last page (keyset cursor)',
        router: () => caller.members.list({ status: 'accepted', limit: 50, cursor: tail }),
        // Same two seeks as the repository: rows before the cursor, then the NULL-keyed tail (the Owner).
        raw: () => {
          const rows = afterSql.all(org, 'accepted', tail.value, tail.id);
          return rows.length >= 51 ? rows : [...rows, ...nullTailSql.all(org, 'accepted', 51 - rows.length)];
        },
      },
      {
        label: 'search by email fragment "son98765@"',
        router: () => caller.members.list({ search: 'son98765@', limit: 50 }),
        raw: () => searchSql.all(org, '{name email_normalized} : "son98765@"'),
      },
      {
        label: 'search by phone fragment "0098765"',
        router: () => caller.members.list({ search: '0098765', limit: 50 }),
        raw: () => searchSql.all(org, '{name email_normalized} : "0098765" OR phone_digits : "0098765"'),
      },
    ];
    for (const c of cases) {
      const n = (await c.router()).items.length;
      const m = c.raw().length;
      if (n === 0 || Math.min(n, 50) !== Math.min(m, 50)) throw new Error(`${c.label}: router gave ${n} rows, raw SQL ${m}`);
      const r = await median(15, c.router);
      const b = await median(15, c.raw);
      console.log(`  ${c.label.padEnd(40)} router ${r.toFixed(2).padStart(7)} ms   raw SQL ${b.toFixed(2).padStart(7)} ms   ratio ${(r / b).toFixed(1)}x   (${n} rows)`);
    }
    const counts = await median(5, () => caller.members.counts());
    const countSql = raw.prepare('SELECT status, count(*) AS n FROM member WHERE organization_id = ? GROUP BY status');
    const countRaw = await median(5, () => countSql.all(org));
    console.log(`  ${'tab counts (all statuses)'.padEnd(40)} router ${counts.toFixed(2).padStart(7)} ms   raw SQL ${countRaw.toFixed(2).padStart(7)} ms   ratio ${(counts / countRaw).toFixed(3)}x (router reads the trigger-kept counts; raw SQL is GROUP BY over every member)`);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SECTIONS = ['invites', 'outbox', 'startup', 'tables', 'firstrows', 'counts', 'search', 'sync', 'browser', 'stores', 'router'] as const;
const SMALL = Number(process.env.BENCH_SMALL ?? 1_000);
const LARGE = Number(process.env.BENCH_LARGE ?? 1_000_000);

/** `npm run bench` runs every section; `npm run bench -- counts search` only those. */
async function main(): Promise<void> {
  const asked = process.argv.slice(2).map((a) => a.toLowerCase());
  const unknown = asked.filter((a) => !(SECTIONS as readonly string[]).includes(a));
  if (unknown.length) {
    console.error(`Unknown section: ${unknown.join(', ')}. Sections: ${SECTIONS.join(', ')}.`);
    process.exit(2);
  }
  const sections = new Set<string>(asked.length ? asked : SECTIONS);
  console.log(`Roster benchmarks (Node ${process.version}, ${new Date().toISOString()}), sections: ${[...sections].join(', ')}`);
  if (sections.has('invites')) await benchInvites();
  if (sections.has('outbox')) await benchOutbox();
  if (sections.has('startup')) await benchStartup();
  if (sections.has('tables')) await benchMemberTables();
  await benchDirectory(sections, SMALL, LARGE);
  if (sections.has('sync')) await benchSync();
  if (sections.has('browser')) await benchBrowser();
  if (sections.has('stores')) await benchStores();
  if (sections.has('router')) await benchRouter();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
