// The sync push against the local SCIM server, with a plain client sending the same requests with the same concurrency as its baseline.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../../src/main/core/clock';
import { openStore } from '../../src/main/db/connect';
import { fileSecretBox } from '../../src/main/mail/secrets';
import { createServices } from '../../src/main/services';
import type { AdminActor } from '../../src/main/services/actor';
import { loadAuthz, registerOwner } from '../../src/main/services/organizations';
import { createSync, saveSyncSettings } from '../../src/main/sync/service';
import http from 'node:http';
import { forkBenchChild } from './child';
import type { ScimChildStats } from './scim-child';
import { GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA, userBody, type GroupAttrs, type UserAttrs } from '../../src/main/sync/mapping';
import { chunk } from '../../src/main/sync/plan';
import { enqueueEverything } from '../../src/main/db/repos/sync.repo';

/** A SCIM server in a child process (its own CPU, its own event loop): the base URL, its stats, and close. */
async function scimChild(): Promise<{ baseUrl: string; token: string; stats(): Promise<ScimChildStats>; reset(): void; close(): Promise<void> }> {
  const profile = process.env.BENCH_SCIM_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SCIM_CPU_PROF}`] : [];
  const child = await forkBenchChild<{ baseUrl: string; token: string }>('scim-child.ts', 'SCIM server', profile);
  return { ...child.ready, stats: async () => (await child.ask<{ stats: ScimChildStats }>('stats')).stats, reset: child.reset, close: child.close };
}

async function warmUp(baseUrl: string, token: string): Promise<void> {
  const h = { Authorization: `Bearer ${token}`, Accept: 'application/scim+json', 'Content-Type': 'application/scim+json' };
  for (let i = 0; i < WARM_UP; i++) {
    const userName = `warm-up-${i}@bench.test`;
    await fetch(`${baseUrl}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, { headers: h }).then((r) => r.text());
    const made = (await (await fetch(`${baseUrl}/Users`, { method: 'POST', headers: h, body: JSON.stringify({ schemas: [USER_SCHEMA], userName, active: true, emails: [{ value: userName, type: 'work', primary: true }] }) })).json()) as { id: string };
    await fetch(`${baseUrl}/Users/${made.id}`, { method: 'DELETE', headers: h }).then((r) => r.text());
  }
}

const WARM_UP = 100;
const WARM_UP_MEMBERS = 200;
const N = Number(process.env.BENCH_SYNC_MEMBERS ?? 10_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_SYNC_ROUNDS ?? 3));
const ACCOUNTS = 10;
const IN_FLIGHT = 4;
/** How long either side waits for one answer: scimmy takes seconds per PATCH of a 10,000-member group on a busy machine (the server, not the client). */
const TIMEOUT_MS = Number(process.env.BENCH_SYNC_TIMEOUT_MS ?? 120_000);
const PLAIN = process.env.BENCH_SYNC_PLAIN === 'fetch' ? 'fetch' : 'http';
const H: Record<string, string> = { Authorization: '', Accept: 'application/scim+json' };
const BODY_H: Record<string, string> = { ...H, 'Content-Type': 'application/scim+json' };

function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The requests of one full push, as the push recorded them: each user's written attributes, then the groups parents first. */
interface PushPlan {
  users: { localId: number; attrs: UserAttrs }[];
  groups: GroupAttrs[];
}

/** A plain HTTP client: node:http with a keep-alive agent of IN_FLIGHT sockets (BENCH_SYNC_PLAIN=fetch: the global fetch instead). */
function plainTransport(timeoutMs: number): { call(method: string, url: string, body?: string): Promise<string>; close(): void; name: string } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  if (PLAIN === 'fetch')
    return {
      name: 'fetch',
      call: async (method, url, body) => (await fetch(url, { method, headers: body === undefined ? H : BODY_H, body, signal: AbortSignal.timeout(timeoutMs) })).text(),
      close: () => undefined,
    };
  return {
    name: 'node:http keep-alive',
    call: (method, url, body) =>
      new Promise<string>((resolve, reject) => {
        const req = http.request(url, { method, agent, headers: body === undefined ? H : { ...BODY_H, 'Content-Length': Buffer.byteLength(body) } });
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve(text));
        });
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

/** The baseline: the very requests the push made, sent by a plain HTTP client with the same concurrency and no store. */
async function plainPush(server: { baseUrl: string; token: string }, plan: PushPlan): Promise<void> {
  H.Authorization = BODY_H.Authorization = `Bearer ${server.token}`;
  const http1 = plainTransport(TIMEOUT_MS);
  const remote = new Map<number, string>();
  const depth = (g: GroupAttrs) => g.displayName.split(' / ').length;
  const pool = async <T>(items: T[], fn: (t: T) => Promise<void>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < items.length) await fn(items[next++]!);
      }),
    );
  };
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => JSON.parse(await http1.call(method, server.baseUrl + path, body === undefined ? undefined : JSON.stringify(body))) as T;
  // The same rule as the push: chunks of maxOperations (100 when unknown) where PATCH is supported, else one POST.
  const spc = await call<{ patch?: { supported?: boolean }; bulk?: { supported?: boolean; maxOperations?: number } }>('GET', '/ServiceProviderConfig');
  const perRequest = (members: number) => (spc.patch?.supported ? (spc.bulk?.supported && spc.bulk.maxOperations) || 100 : Math.max(1, members));
  await pool(plan.users, async (u) => {
    await call('GET', `/Users?filter=${encodeURIComponent(`userName eq ${JSON.stringify(u.attrs.userName)}`)}`);
    const made = await call<{ id: string }>('POST', '/Users', userBody(u.attrs));
    remote.set(u.localId, made.id);
  });
  for (const d of [...new Set(plan.groups.map(depth))])
    await pool(
      plan.groups.filter((g) => depth(g) === d),
      async (g) => {
        await call('GET', `/Groups?filter=${encodeURIComponent(`displayName eq ${JSON.stringify(g.displayName)}`)}`);
        const [first = [], ...rest] = chunk(
          g.members.map((m) => remote.get(m)!),
          perRequest(g.members.length),
        );
        const made = await call<{ id: string }>('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: g.displayName, externalId: g.externalId, members: first.map((value) => ({ value })) });
        for (const part of rest) await call('PATCH', `/Groups/${made.id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'members', value: part.map((value) => ({ value })) }] });
      },
    );
  http1.close();
}

/** A fresh SCIM server process, warmed up (look up, create, delete a user) and its counts zeroed. */
async function freshServer(): Promise<Awaited<ReturnType<typeof scimChild>>> {
  const server = await scimChild();
  await warmUp(server.baseUrl, server.token);
  server.reset();
  return server;
}

interface Run {
  ms: number;
  /** From the start to the first group request (ms): the users' part, where the client does most of its work. */
  usersMs: number;
  /** From the start to the first request (ms): Roster's fold and plan before anything goes out. */
  firstMs: number;
  /** CPU time of this process during the run (ms): the client's own cost, whatever the machine's load. */
  cpuMs: number;
  stats: ScimChildStats;
  /** Requests in flight as the server saw them: the peak, and the time-weighted average over the run (Σ request time ÷ run time). */
  peak: number;
  average: number;
  /** Roster's own count (its client's gate): peak and average while any request was out. */
  client?: { peak: number; average: number };
}

function run(ms: number, t0Wall: number, cpu: number, stats: ScimChildStats, client?: Run['client']): Run {
  return { ms, usersMs: stats.firstGroupAt ? stats.firstGroupAt - t0Wall : ms, firstMs: stats.firstAt ? stats.firstAt - t0Wall : 0, cpuMs: cpu, stats, peak: stats.peakInFlight, average: stats.requestMs / ms, client };
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/**
 * `npm run bench -- sync`: ROUNDS rounds; in each, Roster's push and the plain client each push the
 * whole directory to a fresh SCIM server process (same state: empty, warmed up the same way). The
 * order alternates (sync first, then plain first, …) so that a load change on a shared machine hits
 * both sides alike; each round gives a ratio from two neighbouring runs, and the median is the figure.
 */
export async function benchSync(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-sync-'));
  try {
    const store = await openStore(join(dir, 'roster.sqlite'));
    const sync = createSync({ db: store.db, clock: systemClock, secrets: fileSecretBox(dir), timeoutMs: TIMEOUT_MS });
    const services = createServices({ db: store.db, clock: systemClock, publicBaseUrl: () => 'http://127.0.0.1:8450', sync });
    const raw = store.sqlite;
    if (!raw) throw new Error('the sync bench seeds a SQLite store');
    const { organizationId: org, memberId, personId } = await registerOwner(services.deps, { organizationName: 'Bench Sync', email: 'owner@bench.test', password: 'correct horse battery staple' });
    const actor: AdminActor = { personId, memberId, label: 'owner@bench.test', authz: await loadAuthz(store.db, org, memberId) };
    const root = raw.prepare('SELECT id FROM account WHERE organization_id = ? AND parent_id IS NULL').get(org) as { id: number };
    const role = raw.prepare("SELECT id FROM role WHERE organization_id = ? AND builtin = 'member'").get(org) as { id: number };
    const now = new Date().toISOString();
    const accounts: number[] = [];
    for (let a = 0; a < ACCOUNTS; a++) accounts.push(Number(raw.prepare('INSERT INTO account (organization_id, parent_id, name, created_at) VALUES (?,?,?,?)').run(org, root.id, `Region ${a}`, now).lastInsertRowid));
    const insert = raw.prepare("INSERT INTO member (organization_id, email, email_normalized, name, status, accepted_at, status_changed_at, created_at, updated_at) VALUES (?,?,?,?,'accepted',?,?,?,?)");
    const grant = raw.prepare('INSERT INTO member_role (member_id, role_id, account_id) VALUES (?,?,?)');
    const access = raw.prepare('INSERT INTO member_account (member_id, account_id) VALUES (?,?)');
    // `count` Active members with the Member role, each with access to one of ten sub-accounts.
    const seed = (prefix: string, count: number): number[] =>
      raw.transaction(() => {
        const ids: number[] = [];
        for (let i = 0; i < count; i++) {
          const id = Number(insert.run(org, `${prefix}${i}@example.com`, `${prefix}${i}@example.com`, `Person ${i}`, now, now, now, now).lastInsertRowid);
          grant.run(id, role.id, root.id);
          access.run(id, accounts[i % ACCOUNTS]!);
          ids.push(id);
        }
        return ids;
      })();

    let plan: PushPlan | null = null;
    const syncRun = async (count: number): Promise<Run> => {
      const server = await freshServer();
      try {
        // The same starting point every round: nothing synced yet, the whole directory queued, a new server.
        raw.prepare('DELETE FROM sync_object WHERE organization_id = ?').run(org);
        raw.prepare('DELETE FROM sync_dirty WHERE organization_id = ?').run(org);
        await saveSyncSettings(sync, actor, org, { baseUrl: server.baseUrl, token: server.token, maxInFlight: IN_FLIGHT, guardCount: 1_000_000 });
        await enqueueEverything(store.db, org);
        const c0 = process.cpuUsage();
        const t0Wall = Date.now();
        const t0 = performance.now();
        const r = await sync.sender.pushNow(org, { force: true });
        const ms = performance.now() - t0;
        const cpu = cpuMs(process.cpuUsage(c0));
        const stats = await server.stats();
        if (r.outcome !== 'done' || r.failed || stats.users !== count + 1) throw new Error(`sync push: ${JSON.stringify(r)}, ${stats.users} users on the server`);
        // What the push wrote, in its order: the plain client's requests (rebuilt outside its measured time).
        const objects = raw.prepare('SELECT kind, local_id, written_json FROM sync_object WHERE organization_id = ? ORDER BY id').all(org) as { kind: 'user' | 'group'; local_id: number; written_json: string }[];
        const depth = (g: GroupAttrs) => g.displayName.split(' / ').length;
        plan = {
          users: objects.filter((o) => o.kind === 'user').map((o) => ({ localId: o.local_id, attrs: JSON.parse(o.written_json) as UserAttrs })),
          groups: objects
            .filter((o) => o.kind === 'group')
            .map((o) => JSON.parse(o.written_json) as GroupAttrs)
            .sort((a, b) => depth(a) - depth(b)),
        };
        return run(ms, t0Wall, cpu, stats, r.inFlight);
      } finally {
        await server.close();
      }
    };
    const plainRun = async (): Promise<Run> => {
      const server = await freshServer();
      try {
        const c0 = process.cpuUsage();
        const t0Wall = Date.now();
        const t0 = performance.now();
        await plainPush(server, plan!);
        const ms = performance.now() - t0;
        const cpu = cpuMs(process.cpuUsage(c0));
        const stats = await server.stats();
        if (stats.users !== N + 1 && stats.users !== WARM_UP_MEMBERS + 1) throw new Error(`plain push: ${stats.users} users on the server`);
        return run(ms, t0Wall, cpu, stats);
      } finally {
        await server.close();
      }
    };

    console.log(
      `sync push of ${fmt(N)} members with their role and ${ACCOUNTS} sub-account groups to the local SCIM server (${IN_FLIGHT} in flight, answers after ${process.env.BENCH_SCIM_LATENCY_MS ?? 5} ms, ` +
        `group members ${process.env.BENCH_SCIM_MAX_OPERATIONS ?? 1000} per request), ${ROUNDS} rounds, order alternating; plain client: ${PLAIN === 'fetch' ? 'fetch' : 'node:http keep-alive (the same stack as Roster)'}`,
    );
    // A warm-up push of a few members by each side before the measured rounds: the JIT compiles
    // Roster's push (and the plain client) there, so the first measured round does not pay for it.
    // Those members then leave (a declined invitation does not travel) and the measured ones arrive.
    const warmUp = seed('warm-up', WARM_UP_MEMBERS);
    await syncRun(WARM_UP_MEMBERS);
    await plainRun();
    raw.prepare(`UPDATE member SET status = 'declined' WHERE id IN (${warmUp.map(() => '?').join(',')})`).run(...warmUp);
    seed('person', N);
    const runs: { sync: Run; plain: Run }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // The first round must push first: the plain client sends what the push sent.
      const syncFirst = round % 2 === 0;
      let s: Run;
      let p: Run;
      const loadBefore = loadavg()[0]!;
      if (syncFirst) {
        s = await syncRun(N);
        p = await plainRun();
      } else {
        p = await plainRun();
        s = await syncRun(N);
      }
      runs.push({ sync: s, plain: p });
      console.log(
        `  round ${round + 1} (${syncFirst ? 'sync, plain' : 'plain, sync'}): sync ${fmt(s.ms)} ms ${fmt((N / s.ms) * 1000)} members/s; plain ${fmt(p.ms)} ms ${fmt((N / p.ms) * 1000)} members/s; ratio ${(p.ms / s.ms).toFixed(2)}x` +
          ` (users part ${fmt(s.usersMs)} / ${fmt(p.usersMs)} ms, ${(p.usersMs / s.usersMs).toFixed(2)}x; first request after ${fmt(s.firstMs)} / ${fmt(p.firstMs)} ms); in flight peak ${s.peak} / ${p.peak}, average ${s.average.toFixed(2)} / ${p.average.toFixed(2)}` +
          ` (Roster's own count: peak ${s.client?.peak ?? '?'}, average ${s.client?.average.toFixed(2) ?? '?'} while sending); client CPU ${fmt(s.cpuMs)} / ${fmt(p.cpuMs)} ms; server CPU ${fmt(s.stats.cpuMs)} / ${fmt(p.stats.cpuMs)} ms; machine load (1 min) ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`,
      );
    }
    const med = (f: (r: { sync: Run; plain: Run }) => number) => median(runs.map(f));
    const { sync: s, plain: p } = runs[runs.length - 1]!;
    const ratios = runs.map((r) => r.plain.ms / r.sync.ms);
    const peak = Math.max(...runs.map((r) => r.sync.peak));
    console.log(`  sync:     median ${fmt(med((r) => r.sync.ms))} ms  ${fmt((N / med((r) => r.sync.ms)) * 1000)} members/s (fold queue, plan, look before create, record each object, groups in chunks)`);
    console.log(`  plain:    median ${fmt(med((r) => r.plain.ms))} ms  ${fmt((N / med((r) => r.plain.ms)) * 1000)} members/s (same requests and concurrency, no store)`);
    console.log(`  ratio:    median ${median(ratios).toFixed(2)}x of [${ratios.map((r) => r.toFixed(2)).join(', ')}] (goal ≥ 0.90x); users part alone median ${med((r) => r.plain.usersMs / r.sync.usersMs).toFixed(2)}x`);
    console.log(
      `  in flight: sync peak ${peak} (setting ${IN_FLIGHT}), average ${med((r) => r.sync.average).toFixed(2)} over the whole push; plain peak ${Math.max(...runs.map((r) => r.plain.peak))}, average ${med((r) => r.plain.average).toFixed(2)} (as the server counts them, median of rounds)`,
    );
    console.log(`  client:   CPU median sync ${fmt(med((r) => r.sync.cpuMs))} ms (${((med((r) => r.sync.cpuMs) / N) * 1000).toFixed(0)} µs/member), plain ${fmt(med((r) => r.plain.cpuMs))} ms (${((med((r) => r.plain.cpuMs) / N) * 1000).toFixed(0)} µs/member): what the push costs this process beyond the plain client, whatever the machine's load`);
    console.log(`  server:   sync ${fmt(s.stats.requests)} requests, ${s.stats.groups} groups, ${fmt(s.stats.groupMembers)} memberships; plain ${fmt(p.stats.requests)} requests, ${p.stats.groups} groups, ${fmt(p.stats.groupMembers)} memberships (a fresh SCIM server process per run)`);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
