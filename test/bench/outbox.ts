// npm run bench -- outbox: the mail outbox against one direct nodemailer connection and a direct pool, in the same run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import nodemailer from 'nodemailer';
import { systemClock } from '../../src/main/core/clock';
import { openStore } from '../../src/main/db/connect';
import { createMail } from '../../src/main/mail';
import { fileSecretBox } from '../../src/main/mail/secrets';
import { createServices } from '../../src/main/services';
import type { AdminActor } from '../../src/main/services/actor';
import { inviteMembers } from '../../src/main/services/members';
import { loadAuthz, registerOwner } from '../../src/main/services/organizations';
import { forkBenchChild } from './child';
import { fmt } from './fmt';

const MAILS = Number(process.env.BENCH_MAILS ?? 2_000);
/** Connections the outbox's pool opens (the default of mail/transport.ts), also the size of the direct pool baseline. */
const POOL = 5;

/** The outbox bench's SMTP server in a child process (its own CPU and event loop): its port, the messages it received and the CPU it used since reset, close. */
async function smtpChild(): Promise<{ port: number; count(): Promise<{ count: number; cpuMs: number }>; reset(): void; close(): Promise<void> }> {
  const child = await forkBenchChild<number>('smtp-child.ts', 'SMTP server');
  return { port: child.ready, count: () => child.ask('count'), reset: child.reset, close: child.close };
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
export async function benchOutbox(): Promise<void> {
  const server = await smtpChild();
  const smtp = { host: '127.0.0.1', port: server.port, security: 'none' as const, username: null, password: null, fromName: 'Bench', fromAddress: 'roster@bench.test' };
  /** Checks the server received n messages; the CPU milliseconds it spent on them. */
  const expectReceived = async (what: string, n: number): Promise<number> => {
    const got = await server.count();
    if (got.count !== n) throw new Error(`${what}: the server received ${got.count} messages, expected ${n}`);
    return got.cpuMs;
  };

  /** One round: a fresh store with n queued invitations, then the three paths in the given order; milliseconds of each. */
  const round = async (n: number, order: MailPath[]): Promise<{ ms: Record<MailPath, number>; cpu: Record<MailPath, number>; serverCpu: Record<MailPath, number> }> => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-bench-mail-'));
    try {
      const store = await openStore(join(dir, 'roster.sqlite'));
      // As the app wires it: the data folder's sent journal (mail/sent-journal.ts).
      const mail = createMail({ db: store.db, clock: systemClock, secrets: fileSecretBox(dir), env: smtp, dataDir: dir });
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
      const serverCpu = {} as Record<MailPath, number>;
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
        serverCpu[path] = await expectReceived(path, n);
      }
      await store.close();
      return { ms, cpu, serverCpu };
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
    const serverCpus: Record<MailPath, number>[] = [];
    console.log(`mail ${fmt(MAILS)} invitations to a local SMTP server in its own process, ${OUTBOX_ROUNDS} interleaved rounds (each on a fresh store)`);
    const rate = (ms: number) => (MAILS / ms) * 1000;
    for (let r = 0; r < OUTBOX_ROUNDS; r++) {
      const order = [...paths.slice(r % 3), ...paths.slice(0, r % 3)];
      const { ms, cpu, serverCpu } = await round(MAILS, order);
      rounds.push(ms);
      cpus.push(cpu);
      serverCpus.push(serverCpu);
      console.log(
        `  round ${r + 1} (${order.join(', ')}): outbox ${fmt(ms.outbox)} ms, direct ${fmt(ms.direct)} ms, pool ${fmt(ms.pool)} ms;` +
          ` outbox ${(ms.direct / ms.outbox).toFixed(2)}x direct, ${(ms.pool / ms.outbox).toFixed(2)}x pool` +
          ` (CPU: outbox ${fmt(cpu.outbox)} ms, direct ${fmt(cpu.direct)} ms, pool ${fmt(cpu.pool)} ms;` +
          ` SMTP server's CPU: ${fmt(serverCpu.outbox)} / ${fmt(serverCpu.direct)} / ${fmt(serverCpu.pool)} ms)`,
      );
    }
    const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const m = (path: MailPath) => mid(rounds.map((x) => x[path]));
    const c = (path: MailPath) => `${fmt(mid(cpus.map((x) => x[path])))} ms (server ${fmt(mid(serverCpus.map((x) => x[path])))} ms)`;
    console.log(`  outbox:   ${fmt(m('outbox'))} ms  ${fmt(rate(m('outbox')))} messages/s, CPU ${c('outbox')} (median; claim ahead in batches, pool of ${POOL}, each outcome committed as it comes, sent journal, clear bodies)`);
    console.log(`  direct:   ${fmt(m('direct'))} ms  ${fmt(rate(m('direct')))} messages/s, CPU ${c('direct')} (median; one nodemailer connection, no store)`);
    console.log(`  pool:     ${fmt(m('pool'))} ms  ${fmt(rate(m('pool')))} messages/s, CPU ${c('pool')} (median; a nodemailer pool of ${POOL}, no store)`);
    const vsDirect = mid(rounds.map((x) => x.direct / x.outbox));
    const vsPool = mid(rounds.map((x) => x.pool / x.outbox));
    console.log(`  ratio:    outbox sends ${vsDirect.toFixed(2)}x the messages/s of one direct connection (goal >= 1.5), ${vsPool.toFixed(2)}x a direct pool of ${POOL} (goal >= 0.8) (medians of the rounds' ratios)`);
  } finally {
    await server.close();
  }
}

