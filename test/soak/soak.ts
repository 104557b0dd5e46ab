import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSmtp, type TestSmtp } from '../support/smtp';

/**
 * The reliability soak (issue 16, "Measured"): a real web-mode process (out/main/serve.js, build
 * first) on one data folder, mailing through a real SMTP server on loopback, driven over HTTP with
 * invite batches of varied sizes (known addresses), cancels and edits, and SIGKILLed at random
 * moments (at any time, mid-batch, mid-drain), then restarted on the same folder. At the end the
 * outbox is left to drain and every guarantee is checked against the store file and what the SMTP
 * server received:
 * - an acknowledged batch is fully present; an unacknowledged one all or nothing;
 * - an acknowledged cancel or edit is present;
 * - every mail the store marks sent arrived; every pending member of a batch got its invitation;
 * - duplicates: the same Message-ID again (the README's at-least-once window, counted apart) and
 *   two different mails of one kind to one address (never allowed);
 * - no mail to a dead link: none received for a member after its cancel was acknowledged, except
 *   the mails already claimed ('sending') when the cancel committed, delivered before the next kill;
 * - PRAGMA integrity_check after every kill and at the end.
 * The store is read with a read-only connection of the soak's own (the file format, not Roster's code).
 */

export const SERVE = resolve(__dirname, '../../out/main/serve.js');
const OWNER = 'owner@soak.test';
const PASSWORD = 'correct horse battery staple';
const SIZES = [1, 3, 10, 40, 150, 400, 1000];

export interface SoakOptions {
  kills: number;
  /** Stop killing after this many seconds even if fewer kills were made (the drain comes after). */
  maxSeconds: number;
  /** How long the final drain may wait: a mail claimed at a kill is retried when its lease (5 min) runs out. */
  drainSeconds: number;
  /** Batch sizes to pick from (default 1 to 1,000 addresses). */
  sizes?: number[];
  log?: (line: string) => void;
}

export interface SoakReport {
  kills: number;
  killModes: Record<string, number>;
  seconds: number;
  batches: { acknowledged: number; acknowledgedWhole: number; unacknowledged: number; unacknowledgedAllOrNothing: number; addressesAcknowledged: number };
  cancels: { acknowledged: number; lost: number };
  edits: { acknowledged: number; lost: number };
  mails: {
    outboxSent: number;
    dropped: number;
    failed: number;
    notDrained: number;
    delivered: number;
    sentNotDelivered: number;
    /** Delivered, but its row is not 'sent': by the row's status (a kill between acceptance and record). */
    deliveredNotSent: Record<string, number>;
    pendingWithoutInvitation: number;
    sameMessageIdAgain: number;
    duplicatedByRecipientAndKind: number;
    deadLinks: number;
  };
  integrity: { checks: number; failures: string[] };
  problems: string[];
}

interface Batch {
  no: number;
  emails: string[];
  state: 'sent' | 'acknowledged' | 'unacknowledged' | 'refused';
}

interface Cancel {
  ids: number[];
  acknowledgedAt: number | null;
  /** Message-IDs already claimed or sent when the cancel was acknowledged, and the kill count then. */
  inFlight: Set<string>;
  killsAtAck: number;
}

interface Server {
  child: ChildProcess;
  base: string;
  exited: Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(Math.random() * xs.length)]!;
}

async function startServer(dataDir: string, smtp: TestSmtp): Promise<Server> {
  const child = spawn(process.execPath, [SERVE, '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', ROSTER_DATABASE_URL: '', ROSTER_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, ROSTER_MAIL_FROM: 'Roster <roster@soak.test>' },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  while (!/Roster listening on (\S+)/.test(out)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited: ${out}`);
    await sleep(20);
  }
  return { child, base: /Roster listening on (\S+)/.exec(out)![1]!, exited };
}

class Client {
  cookie = '';
  constructor(readonly base: string) {}
  private async call<T>(res: Response): Promise<T> {
    const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
    if (cookies.length) this.cookie = cookies.join('; ');
    const body = (await res.json()) as { result?: { data: T }; error?: { message: string } };
    if (body.error) throw Object.assign(new Error(body.error.message), { refused: true });
    return body.result!.data;
  }
  async mutation<T>(path: string, input: unknown): Promise<T> {
    return this.call<T>(await fetch(`${this.base}/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: this.cookie }, body: JSON.stringify(input) }));
  }
  async query<T>(path: string): Promise<T> {
    return this.call<T>(await fetch(`${this.base}/trpc/${path}`, { headers: { cookie: this.cookie } }));
  }
}

/** A Message-ID without its angle brackets (the header has them; the store may not). */
const bare = (id: string) => id.trim().replace(/^<|>$/g, '');

const refused = (e: unknown) => typeof e === 'object' && e !== null && (e as { refused?: boolean }).refused === true;

function integrity(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.pragma('integrity_check', { simple: true }) as string) ?? 'no answer';
  } finally {
    db.close();
  }
}

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  if (!existsSync(SERVE)) throw new Error('Build web mode first: npx electron-vite build');
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-soak-'));
  const file = join(dataDir, 'roster.sqlite');
  const smtp = await startSmtp();
  // When each mail arrived, and how many kills had happened then (index-aligned with smtp.received).
  const arrivals: { at: number; kills: number }[] = [];
  let kills = 0;
  smtp.onData = () => {
    arrivals.push({ at: Date.now(), kills });
    return undefined;
  };
  const report: SoakReport = {
    kills: 0,
    killModes: {},
    seconds: 0,
    batches: { acknowledged: 0, acknowledgedWhole: 0, unacknowledged: 0, unacknowledgedAllOrNothing: 0, addressesAcknowledged: 0 },
    cancels: { acknowledged: 0, lost: 0 },
    edits: { acknowledged: 0, lost: 0 },
    mails: { outboxSent: 0, dropped: 0, failed: 0, notDrained: 0, delivered: 0, sentNotDelivered: 0, deliveredNotSent: {}, pendingWithoutInvitation: 0, sameMessageIdAgain: 0, duplicatedByRecipientAndKind: 0, deadLinks: 0 },
    integrity: { checks: 0, failures: [] },
    problems: [],
  };
  const batches: Batch[] = [];
  const cancels: Cancel[] = [];
  // Per member: the name last acknowledged, and names sent since (any of them may be the final one).
  const edits = new Map<number, { acknowledged: string | null; since: string[] }>();
  let editsAcknowledged = 0;
  const live: number[] = []; // members of acknowledged batches, not yet cancelled by the soak
  let server: Server | null = null;
  let reader: Database.Database | null = null;
  try {
    server = await startServer(dataDir, smtp);
    let client = new Client(server.base);
    await client.mutation('auth.register', { organizationName: 'Soak', email: OWNER, password: PASSWORD });
    const roles = await client.query<Array<{ id: number; name: string }>>('roles.list');
    const roleId = (roles.find((r) => r.name !== 'Owner') ?? roles[0]!).id;
    reader = new Database(file, { readonly: true, fileMustExist: true });

    const work = async (c: Client, stop: { stopped: boolean }, onBatchSent: () => void, onBatchAcknowledged: () => void) => {
      while (!stop.stopped) {
        const r = Math.random();
        if (r < 0.55 || live.length < 5) {
          const size = pick(opts.sizes ?? SIZES);
          const b: Batch = { no: batches.length, emails: Array.from({ length: size }, (_, i) => `b${batches.length}-${i}@soak.test`), state: 'sent' };
          batches.push(b);
          const call = c.mutation<{ invited: Array<{ memberId: number }> }>('members.invite', { entries: b.emails.map((email) => ({ email })), grants: { roleIds: [roleId] } });
          onBatchSent();
          try {
            const res = await call;
            b.state = 'acknowledged';
            live.push(...res.invited.map((m) => m.memberId));
            onBatchAcknowledged();
          } catch (e) {
            b.state = refused(e) ? 'refused' : 'unacknowledged';
            if (!refused(e)) return;
          }
        } else if (r < 0.8) {
          const n = Math.min(live.length, 1 + Math.floor(Math.random() * 50));
          const ids = live.splice(Math.floor(Math.random() * (live.length - n + 1)), n);
          const cancel: Cancel = { ids, acknowledgedAt: null, inFlight: new Set(), killsAtAck: 0 };
          cancels.push(cancel);
          try {
            await c.mutation('members.cancel', { ids });
            cancel.acknowledgedAt = Date.now();
            cancel.killsAtAck = kills;
            const rows = reader!
              .prepare(`SELECT message_id FROM mail_outbox WHERE status IN ('sending', 'sent') AND member_id IN (${ids.map(() => '?').join(',')})`)
              .all(...ids) as Array<{ message_id: string }>;
            for (const row of rows) cancel.inFlight.add(bare(row.message_id));
          } catch (e) {
            if (!refused(e)) return;
          }
        } else {
          const id = pick(live);
          const name = `Soak ${Math.random().toString(36).slice(2, 10)}`;
          const entry = edits.get(id) ?? { acknowledged: null, since: [] };
          edits.set(id, entry);
          entry.since.push(name);
          try {
            await c.mutation('members.edit', { id, name });
            entry.acknowledged = name;
            entry.since = [];
            editsAcknowledged++;
          } catch (e) {
            if (!refused(e)) return;
          }
        }
      }
    };

    const modes = ['any moment', 'mid-batch', 'mid-drain'] as const;
    while (kills < opts.kills && (Date.now() - started) / 1000 < opts.maxSeconds) {
      const mode = modes[kills % modes.length]!;
      const stop = { stopped: false };
      let killNow!: () => void;
      const trigger = new Promise<void>((r) => (killNow = r));
      const onBatchSent = () => {
        if (mode === 'mid-batch' && Math.random() < 0.5) setTimeout(killNow, Math.random() * 150);
      };
      const onBatchAcknowledged = () => {
        if (mode === 'mid-drain' && Math.random() < 0.5) setTimeout(killNow, Math.random() * 300);
      };
      const timer = setTimeout(killNow, (mode === 'any moment' ? 200 : 2000) + Math.random() * 1500);
      const working = work(client, stop, onBatchSent, onBatchAcknowledged);
      await trigger;
      clearTimeout(timer);
      server.child.kill('SIGKILL');
      await server.exited;
      kills++;
      report.killModes[mode] = (report.killModes[mode] ?? 0) + 1;
      stop.stopped = true;
      await working;
      const check = integrity(file);
      report.integrity.checks++;
      if (check !== 'ok') report.integrity.failures.push(`after kill ${kills}: ${check}`);
      log(`kill ${kills} at ${Math.round((Date.now() - started) / 1000)} s (${mode}): ${batches.length} batches sent, ${smtp.received.length} mails received, integrity ${check}`);
      server = await startServer(dataDir, smtp);
      client = new Client(server.base);
      await client.mutation('auth.signIn', { email: OWNER, password: PASSWORD });
    }

    // Drain: no more work; wait until nothing is queued or claimed (a claim cut by a kill waits for its lease).
    const drainUntil = Date.now() + opts.drainSeconds * 1000;
    const waiting = reader.prepare(`SELECT COUNT(*) AS n FROM mail_outbox WHERE status IN ('queued', 'sending')`);
    let lastLog = 0;
    while (Date.now() < drainUntil) {
      const n = (waiting.get() as { n: number }).n;
      if (n === 0) break;
      if (Date.now() - lastLog > 15_000) {
        log(`draining: ${n} mails queued or claimed`);
        lastLog = Date.now();
      }
      await sleep(250);
    }
    server.child.kill('SIGTERM');
    await server.exited;
    server = null;
    reader.close();
    reader = null;
    await sleep(200); // the SMTP server finishes the last session's bookkeeping

    const check = integrity(file);
    report.integrity.checks++;
    if (check !== 'ok') report.integrity.failures.push(`at the end: ${check}`);
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      evaluate(db, report, { batches, cancels, edits, editsAcknowledged, smtp, arrivals });
    } finally {
      db.close();
    }
    report.kills = kills;
    report.seconds = Math.round((Date.now() - started) / 1000);
    return report;
  } finally {
    reader?.close();
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await smtp.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function evaluate(
  db: Database.Database,
  report: SoakReport,
  s: { batches: Batch[]; cancels: Cancel[]; edits: Map<number, { acknowledged: string | null; since: string[] }>; editsAcknowledged: number; smtp: TestSmtp; arrivals: { at: number; kills: number }[] },
): void {
  const members = db.prepare(`SELECT id, email, status, name FROM member`).all() as Array<{ id: number; email: string; status: string; name: string | null }>;
  const byEmail = new Map(members.map((m) => [m.email, m]));
  const byId = new Map(members.map((m) => [m.id, m]));
  for (const b of s.batches) {
    const present = b.emails.filter((e) => byEmail.has(e)).length;
    if (b.state === 'acknowledged') {
      report.batches.acknowledged++;
      report.batches.addressesAcknowledged += b.emails.length;
      if (present === b.emails.length) report.batches.acknowledgedWhole++;
      else report.problems.push(`acknowledged batch ${b.no} (${b.emails.length} addresses): only ${present} present`);
    } else if (b.state === 'unacknowledged' || b.state === 'sent') {
      report.batches.unacknowledged++;
      if (present === 0 || present === b.emails.length) report.batches.unacknowledgedAllOrNothing++;
      else report.problems.push(`unacknowledged batch ${b.no}: ${present} of ${b.emails.length} present (not all or nothing)`);
    } else report.problems.push(`batch ${b.no} was refused`);
  }
  for (const c of s.cancels) {
    if (c.acknowledgedAt === null) continue;
    report.cancels.acknowledged++;
    const notCancelled = c.ids.filter((id) => byId.get(id)?.status !== 'cancelled');
    if (notCancelled.length) {
      report.cancels.lost++;
      report.problems.push(`acknowledged cancel of ${c.ids.length}: ${notCancelled.length} not cancelled (${notCancelled.slice(0, 3).join(', ')}…)`);
    }
  }
  report.edits.acknowledged = s.editsAcknowledged;
  for (const [id, e] of s.edits) {
    if (e.acknowledged === null) continue;
    const name = byId.get(id)?.name ?? null;
    if (name !== e.acknowledged && !e.since.includes(name ?? '')) {
      report.edits.lost++;
      report.problems.push(`member ${id}: name "${name}", acknowledged "${e.acknowledged}"`);
    }
  }

  const rows = db.prepare(`SELECT member_id, kind, recipient, message_id, status, last_error FROM mail_outbox`).all() as Array<{
    member_id: number | null;
    kind: string;
    recipient: string;
    message_id: string;
    status: string;
    last_error: string | null;
  }>;
  const received = s.smtp.received;
  const copies = new Map<string, number>();
  for (const m of received) copies.set(bare(m.messageId), (copies.get(bare(m.messageId)) ?? 0) + 1);
  const mails = report.mails;
  mails.delivered = copies.size;
  for (const n of copies.values()) mails.sameMessageIdAgain += n - 1;
  const rowByMessageId = new Map(rows.map((r) => [bare(r.message_id), r]));
  const kindOf = (messageId: string, subject: string) => rowByMessageId.get(bare(messageId))?.kind ?? subject;
  const perRecipientKind = new Map<string, Set<string>>();
  for (const m of received) {
    const key = `${m.to.join(',')} ${kindOf(m.messageId, m.subject)}`;
    const set = perRecipientKind.get(key) ?? new Set<string>();
    set.add(bare(m.messageId));
    perRecipientKind.set(key, set);
  }
  for (const [key, ids] of perRecipientKind) if (ids.size > 1) {
    mails.duplicatedByRecipientAndKind += ids.size - 1;
    report.problems.push(`${ids.size} different mails of one kind to ${key}`);
  }
  const receivedIds = new Set(copies.keys());
  for (const r of rows) {
    if (r.status === 'sent') {
      mails.outboxSent++;
      if (!receivedIds.has(bare(r.message_id))) {
        mails.sentNotDelivered++;
        report.problems.push(`mail ${r.message_id} to ${r.recipient} marked sent, never received`);
      }
    } else if (r.status === 'dropped') mails.dropped++;
    else if (r.status === 'failed') {
      mails.failed++;
      report.problems.push(`mail to ${r.recipient} failed: ${r.last_error}`);
    } else mails.notDrained++;
  }
  for (const id of receivedIds) {
    const row = rowByMessageId.get(id);
    const status = row ? `${row.status}${row.last_error ? ` (${row.last_error})` : ''}` : 'no outbox row';
    if (row?.status !== 'sent') mails.deliveredNotSent[status] = (mails.deliveredNotSent[status] ?? 0) + 1;
  }
  if (mails.notDrained) report.problems.push(`${mails.notDrained} mails still queued or claimed after the drain`);
  // Still owed: a member whose mail is still queued or claimed (a lease cut by a kill) is not lost yet.
  const owed = new Set(rows.filter((r) => r.status === 'queued' || r.status === 'sending').map((r) => r.recipient));
  const invited = new Set(received.filter((m) => kindOf(m.messageId, m.subject) === 'invitation').flatMap((m) => m.to));
  for (const m of members) {
    if (m.status === 'pending' && m.email.endsWith('@soak.test') && !invited.has(m.email) && !owed.has(m.email)) {
      mails.pendingWithoutInvitation++;
      if (mails.pendingWithoutInvitation <= 5) report.problems.push(`pending ${m.email} never received an invitation`);
    }
  }
  // Dead links: a mail that arrived for a member after the cancel was acknowledged, unless it was
  // already claimed then and arrived before the next kill (a claim the cancel could not stop).
  const cancelledAt = new Map<string, Cancel>();
  for (const c of s.cancels) if (c.acknowledgedAt !== null) for (const id of c.ids) {
    const m = byId.get(id);
    if (m) cancelledAt.set(m.email, c);
  }
  received.forEach((m, i) => {
    const arrival = s.arrivals[i]!;
    for (const to of m.to) {
      const c = cancelledAt.get(to);
      if (!c || arrival.at <= c.acknowledgedAt!) continue;
      if (c.inFlight.has(bare(m.messageId)) && arrival.kills === c.killsAtAck) continue;
      mails.deadLinks++;
      report.problems.push(`mail ${m.messageId} to ${to} arrived after its cancel was acknowledged`);
    }
  });
}

export function formatReport(r: SoakReport): string {
  const m = r.mails;
  return [
    `Soak: ${r.kills} SIGKILLs in ${r.seconds} s (${Object.entries(r.killModes).map(([k, n]) => `${n} ${k}`).join(', ')})`,
    `Batches acknowledged: ${r.batches.acknowledged} (${r.batches.addressesAcknowledged} addresses), fully present: ${r.batches.acknowledgedWhole}`,
    `Batches unacknowledged (cut by a kill): ${r.batches.unacknowledged}, all or nothing: ${r.batches.unacknowledgedAllOrNothing}`,
    `Cancels acknowledged: ${r.cancels.acknowledged}, lost: ${r.cancels.lost}; edits acknowledged: ${r.edits.acknowledged}, lost: ${r.edits.lost}`,
    `Mails expected (outbox 'sent'): ${m.outboxSent}, delivered (distinct Message-IDs): ${m.delivered}, marked sent but never received: ${m.sentNotDelivered}`,
    `Delivered but not recorded as sent (a kill between the server's acceptance and the record): ${Object.entries(m.deliveredNotSent).map(([k, n]) => `${n} ${k}`).join(', ') || '0'}`,
    `Mails dropped for dead links by the sender: ${m.dropped}; failed: ${m.failed}; still queued or claimed after the drain: ${m.notDrained}`,
    `Pending members without their invitation and none owed (lost): ${m.pendingWithoutInvitation}`,
    `Duplicated beyond the at-least-once window (two different mails of one kind to one address): ${m.duplicatedByRecipientAndKind}`,
    `Same Message-ID delivered again (at-least-once window, README "Mail"): ${m.sameMessageIdAgain}`,
    `Mails to dead links (arrived after the cancel was acknowledged): ${m.deadLinks}`,
    `PRAGMA integrity_check: ${r.integrity.checks} runs, ${r.integrity.failures.length} failures${r.integrity.failures.length ? `: ${r.integrity.failures.join('; ')}` : ''}`,
    ...(r.problems.length ? ['Problems:', ...r.problems.slice(0, 40).map((p) => `  - ${p}`)] : ['Goal met: 0 lost, 0 duplicated beyond the window, 0 dead links, 0 integrity failures.']),
  ].join('\n');
}
