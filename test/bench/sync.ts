// The sync push against the local SCIM server, with a plain client sending the same requests with the same concurrency as its baseline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../../src/main/core/clock';
import { openStore } from '../../src/main/db/connect';
import { fileSecretBox } from '../../src/main/mail/secrets';
import { createServices } from '../../src/main/services';
import type { AdminActor } from '../../src/main/services/actor';
import { loadAuthz, registerOwner } from '../../src/main/services/organizations';
import { createSync, saveSyncSettings } from '../../src/main/sync/service';
import { fork, type ChildProcess } from 'node:child_process';
import type { ScimChildStats } from './scim-child';
import { GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA, userBody, type GroupAttrs, type UserAttrs } from '../../src/main/sync/mapping';
import { chunk } from '../../src/main/sync/plan';

/** A SCIM server in a child process (its own CPU, its own event loop): the base URL, its stats, and close. */
async function scimChild(): Promise<{ baseUrl: string; token: string; stats(): Promise<ScimChildStats>; reset(): void; close(): Promise<void> }> {
  const child: ChildProcess = fork(join(__dirname, 'scim-child.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ baseUrl: string; token: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the SCIM server process exited (${code})`)));
    child.once('message', (m) => resolve((m as { ready: { baseUrl: string; token: string } }).ready));
  });
  return {
    ...ready,
    stats: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { stats: ScimChildStats }).stats));
        child.send('stats');
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
const N = Number(process.env.BENCH_SYNC_MEMBERS ?? 10_000);
const ACCOUNTS = 10;
const IN_FLIGHT = 4;

function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

export async function benchSync(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-sync-'));
  // One server process for the sync push, a fresh one for the plain client: each starts empty.
  const scim = await scimChild();
  const plain = await scimChild();
  try {
    const store = await openStore(join(dir, 'roster.sqlite'));
    const sync = createSync({ db: store.db, clock: systemClock, secrets: fileSecretBox(dir) });
    const services = createServices({ db: store.db, clock: systemClock, publicBaseUrl: () => 'http://127.0.0.1:8450', sync });
    const { organizationId: org, memberId, personId } = await registerOwner(services.deps, { organizationName: 'Bench Sync', email: 'owner@bench.test', password: 'correct horse battery staple' });
    const actor: AdminActor = { personId, memberId, label: 'owner@bench.test', authz: await loadAuthz(store.db, org, memberId) };

    // Seed: N Active members with the Member role, each with access to one of ten sub-accounts.
    const raw = store.sqlite;
    if (!raw) throw new Error('the sync bench seeds a SQLite store');
    const root = raw.prepare('SELECT id FROM account WHERE organization_id = ? AND parent_id IS NULL').get(org) as { id: number };
    const role = raw.prepare("SELECT id FROM role WHERE organization_id = ? AND builtin = 'member'").get(org) as { id: number };
    const now = new Date().toISOString();
    const accounts: number[] = [];
    for (let a = 0; a < ACCOUNTS; a++) accounts.push(Number(raw.prepare('INSERT INTO account (organization_id, parent_id, name, created_at) VALUES (?,?,?,?)').run(org, root.id, `Region ${a}`, now).lastInsertRowid));
    const insert = raw.prepare("INSERT INTO member (organization_id, email, email_normalized, name, status, accepted_at, status_changed_at, created_at, updated_at) VALUES (?,?,?,?,'accepted',?,?,?,?)");
    const grant = raw.prepare('INSERT INTO member_role (member_id, role_id, account_id) VALUES (?,?,?)');
    const access = raw.prepare('INSERT INTO member_account (member_id, account_id) VALUES (?,?)');
    raw.transaction(() => {
      for (let i = 0; i < N; i++) {
        const id = Number(insert.run(org, `person${i}@example.com`, `person${i}@example.com`, `Person ${i}`, now, now, now, now).lastInsertRowid);
        grant.run(id, role.id, root.id);
        access.run(id, accounts[i % ACCOUNTS]!);
      }
    })();
    await saveSyncSettings(sync, actor, org, { baseUrl: scim.baseUrl, token: scim.token, maxInFlight: IN_FLIGHT, guardCount: 1_000_000 });

    // Warm up both servers and this process's HTTP client the same way (look up, create, delete a user),
    // so that neither side pays the JIT's first requests inside its measured time.
    for (const server of [scim, plain]) {
      await warmUp(server.baseUrl, server.token);
      server.reset();
    }

    const t0 = performance.now();
    const r = await sync.sender.pushNow(org, { force: true });
    const pushMs = performance.now() - t0;
    const pushed = await scim.stats();
    if (r.outcome !== 'done' || r.failed || pushed.users !== N + 1) throw new Error(`sync push: ${JSON.stringify(r)}, ${pushed.users} users on the server`);

    // Baseline: the very requests the push made, rebuilt from what it recorded (each object's written
    // attributes, in the push's order): ServiceProviderConfig; per user a lookup then the same POST body;
    // per group (roles, then sub-accounts parents first) a lookup, then the POST with its members (chunked
    // into PATCHes as the push does). Same concurrency, plain fetch, no store: what sync adds is its own cost.
    const h = { Authorization: `Bearer ${plain.token}`, Accept: 'application/scim+json' };
    const objects = raw.prepare('SELECT kind, local_id, written_json FROM sync_object WHERE organization_id = ? ORDER BY id').all(org) as { kind: 'user' | 'group'; local_id: number; written_json: string }[];
    const users = objects.filter((o) => o.kind === 'user').map((o) => ({ localId: o.local_id, attrs: JSON.parse(o.written_json) as UserAttrs }));
    const depth = (g: GroupAttrs) => g.displayName.split(' / ').length;
    const groups = objects
      .filter((o) => o.kind === 'group')
      .map((o) => JSON.parse(o.written_json) as GroupAttrs)
      .sort((a, b) => depth(a) - depth(b));
    const remote = new Map<number, string>();
    const pool = async <T>(items: T[], fn: (t: T) => Promise<void>) => {
      let next = 0;
      await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
        while (next < items.length) await fn(items[next++]!);
      }));
    };
    const call = async <T>(method: string, path: string, body?: unknown): Promise<T> =>
      (await (await fetch(plain.baseUrl + path, { method, headers: body === undefined ? h : { ...h, 'Content-Type': 'application/scim+json' }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) })).json()) as T;
    const t1 = performance.now();
    // The same rule as the push: chunks of maxOperations (100 when unknown) where PATCH is supported, else one POST.
    const spc = await call<{ patch?: { supported?: boolean }; bulk?: { supported?: boolean; maxOperations?: number } }>('GET', '/ServiceProviderConfig');
    const perRequest = (members: number) => (spc.patch?.supported ? (spc.bulk?.supported && spc.bulk.maxOperations) || 100 : Math.max(1, members));
    await pool(users, async (u) => {
      await call('GET', `/Users?filter=${encodeURIComponent(`userName eq ${JSON.stringify(u.attrs.userName)}`)}`);
      const made = await call<{ id: string }>('POST', '/Users', userBody(u.attrs));
      remote.set(u.localId, made.id);
    });
    for (const d of [...new Set(groups.map(depth))])
      await pool(groups.filter((g) => depth(g) === d), async (g) => {
        await call('GET', `/Groups?filter=${encodeURIComponent(`displayName eq ${JSON.stringify(g.displayName)}`)}`);
        const [first = [], ...rest] = chunk(g.members.map((m) => remote.get(m)!), perRequest(g.members.length));
        const made = await call<{ id: string }>('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: g.displayName, externalId: g.externalId, members: first.map((value) => ({ value })) });
        for (const part of rest) await call('PATCH', `/Groups/${made.id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'members', value: part.map((value) => ({ value })) }] });
      });
    const plainMs = performance.now() - t1;
    const baseline = await plain.stats();

    const syncRate = (N / pushMs) * 1000;
    const plainRate = (N / plainMs) * 1000;
    console.log(`sync push of ${fmt(N)} members with their role and ${ACCOUNTS} sub-account groups to the local SCIM server (${IN_FLIGHT} in flight)`);
    console.log(`  sync:     ${fmt(pushMs)} ms  ${fmt(syncRate)} members/s (fold queue, plan, look before create, record each object, groups in chunks)`);
    console.log(`  plain:    ${fmt(plainMs)} ms  ${fmt(plainRate)} members/s (fetch, same requests and concurrency, no store)`);
    console.log(`  ratio:    ${(syncRate / plainRate).toFixed(2)}x (goal ≥ 0.90x); peak in flight ${pushed.peakInFlight} (setting ${IN_FLIGHT}; plain client ${baseline.peakInFlight})`);
    console.log(`  server:   sync ${fmt(pushed.requests)} requests, ${pushed.groups} groups, ${fmt(pushed.groupMembers)} memberships; plain ${fmt(baseline.requests)} requests, ${baseline.groups} groups, ${fmt(baseline.groupMembers)} memberships (SCIM server in a child process)`);
    await store.close();
  } finally {
    await scim.close();
    await plain.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
