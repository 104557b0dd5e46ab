// Directory-size figures for `npm run bench`: the same calls on a small and a large store, with the
// large/small ratio per figure (goal ≤ 1.5x: costs that do not grow with the directory, issue 17 item 4).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createContextInner, memoryCarrier } from '../../src/main/api/context';
import { createCaller } from '../../src/main/api/router';
import { systemClock } from '../../src/main/core/clock';
import { openStore, type OpenedSqliteStore } from '../../src/main/db/connect';
import { createServices } from '../../src/main/services';

const STATUSES = ['accepted', 'accepted', 'accepted', 'pending', 'pending', 'expired', 'declined', 'cancelled', 'deactivated', 'deleted'];
const SUB_ACCOUNTS = 20;

type Caller = ReturnType<typeof createCaller>;

export interface BenchStore {
  size: number;
  store: OpenedSqliteStore;
  caller: Caller;
  services: ReturnType<typeof createServices>;
  seedMs: number;
  close(): Promise<void>;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Median of `runs` timed calls after `warmups` untimed ones (one unless told). */
export async function median(runs: number, fn: () => unknown, warmups = 1): Promise<number> {
  for (let i = 0; i < warmups; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * A store with `size` members (every status; each holds the Member role at the company account,
 * one in ten has access to one of 20 sub-accounts, one in 50 the Admin role there), seeded by raw
 * prepared inserts in one transaction; the indexes, FTS and counter triggers run as they go.
 */
export async function seedStore(size: number): Promise<BenchStore> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-dir-'));
  const store = await openStore(join(dir, 'roster.sqlite'));
  const services = createServices({ db: store.db, clock: systemClock, publicBaseUrl: () => 'http://127.0.0.1:8450' });
  const caller = createCaller(createContextInner({ services, sessionCarrier: memoryCarrier() }));
  await caller.auth.register({ organizationName: 'Bench Org', email: 'owner@bench.test', password: 'correct horse battery staple' });
  const org = (await caller.auth.state()).me!.organization.id;
  const accounts: number[] = [];
  for (let i = 0; i < SUB_ACCOUNTS; i++) accounts.push((await caller.accounts.create({ name: `Team ${i}` })).id);
  const roles = await caller.roles.list();
  const memberRole = roles.find((r) => r.builtin === 'member')!.id;
  const adminRole = roles.find((r) => r.builtin === 'admin')!.id;
  const root = (await caller.accounts.list()).find((a) => a.parentId === null)!.id;

  const raw = store.sqlite;
  const insert = raw.prepare(
    'INSERT INTO member (organization_id, email, email_normalized, name, phone, phone_digits, status, invited_at, invite_expires_at, accepted_at, status_changed_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
  );
  const grantRole = raw.prepare('INSERT INTO member_role (member_id, role_id, account_id) VALUES (?,?,?)');
  const grantAccess = raw.prepare('INSERT INTO member_account (member_id, account_id) VALUES (?,?)');
  const base = Date.parse('2024-01-01T00:00:00.000Z');
  const far = new Date(Date.now() + 365 * 86_400_000).toISOString();
  const t0 = performance.now();
  raw.transaction(() => {
    for (let i = 0; i < size; i++) {
      const status = STATUSES[i % STATUSES.length]!;
      const at = new Date(base + i * 1000).toISOString();
      const email = `person${i}@example${i % 97}.com`;
      const digits = `1415${String(i).padStart(7, '0')}`;
      const id = Number(insert.run(org, email, email, `Person ${i}`, `+${digits}`, digits, status, at, status === 'pending' ? far : null, status === 'accepted' ? at : null, at, at, at).lastInsertRowid);
      grantRole.run(id, memberRole, root);
      if (i % 10 === 0) grantAccess.run(id, accounts[(i / 10) % SUB_ACCOUNTS]!);
      if (i % 50 === 0) grantRole.run(id, adminRole, accounts[(i / 50) % SUB_ACCOUNTS]!);
    }
  })();
  const seedMs = performance.now() - t0;
  raw.exec('ANALYZE');
  return {
    size,
    store,
    caller,
    services,
    seedMs,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Figure {
  label: string;
  run: (s: BenchStore) => Promise<unknown>;
}

/** The Members page's first request batch: the page, the tab counts and the two filter lists. */
const FIRST_ROWS: Figure[] = [
  {
    label: 'first rows (members.list + counts + accounts.list + roles.list)',
    run: async (s) => {
      await Promise.all([s.caller.members.list({ limit: 50 }), s.caller.members.counts(), s.caller.accounts.list(), s.caller.roles.list()]);
    },
  },
  { label: '  members.list, first page of "all"', run: (s) => s.caller.members.list({ limit: 50 }) },
  { label: '  accounts.list (member count per account)', run: (s) => s.caller.accounts.list() },
  { label: '  roles.list (member count per role)', run: (s) => s.caller.roles.list() },
];

const SEARCH: Figure[] = [
  { label: 'search "person" (every member matches)', run: (s) => s.caller.members.list({ search: 'person', limit: 50 }) },
  { label: 'search "7@example" (one in ten, spread through the order)', run: (s) => s.caller.members.list({ search: '7@example', limit: 50 }) },
  { label: 'search "example42" (one in 97, spread)', run: (s) => s.caller.members.list({ search: 'example42', limit: 50 }) },
  // person1, person10–19, person100–199, …: the oldest invitations, so the end of the newest-first order.
  { label: 'search "person1" (one in nine, far down the order)', run: (s) => s.caller.members.list({ search: 'person1', limit: 50 }) },
  { label: 'search "person42@" (one member)', run: (s) => s.caller.members.list({ search: 'person42@', limit: 50 }) },
  { label: 'search "p" (1 char, every email starts with it)', run: (s) => s.caller.members.list({ search: 'p', limit: 50 }) },
  { label: 'search "zq" (2 chars, no match)', run: (s) => s.caller.members.list({ search: 'zq', limit: 50 }) },
  { label: 'search "person", sorted by name asc', run: (s) => s.caller.members.list({ search: 'person', sort: 'name', order: 'asc', limit: 50 }) },
];

/**
 * Figures on a small and a large store, both open at once and timed alternately (one call on each,
 * round after round) so that load from elsewhere on the machine hits both alike; prints each figure
 * with its large/small ratio.
 */
export async function benchDirectory(sections: Set<string>, small: number, large: number): Promise<void> {
  const figures = [...(sections.has('firstrows') ? FIRST_ROWS : []), ...(sections.has('search') ? SEARCH : [])];
  const wantCounts = sections.has('counts');
  if (figures.length === 0 && !wantCounts) return;
  const stores: BenchStore[] = [];
  try {
    for (const size of [small, large]) {
      const s = await seedStore(size);
      stores.push(s);
      console.log(`\nstore with ${fmt(size)} members seeded in ${fmt(s.seedMs)} ms (raw prepared inserts; indexes, FTS and counter triggers maintained)`);
    }
    const [a, b] = stores as [BenchStore, BenchStore];
    if (figures.length) console.log(`\n${fmt(large)} / ${fmt(small)} members, median of ${ROUNDS} alternating calls per figure (goal ≤ 1.5x):`);
    for (const f of figures) {
      await f.run(a);
      await f.run(b);
      const ta: number[] = [];
      const tb: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        let t = performance.now();
        await f.run(a);
        ta.push(performance.now() - t);
        t = performance.now();
        await f.run(b);
        tb.push(performance.now() - t);
      }
      const ma = mid(ta);
      const mb = mid(tb);
      console.log(`  ${f.label.padEnd(66)} ${ma.toFixed(2).padStart(8)} ms → ${mb.toFixed(2).padStart(8)} ms   ratio ${(mb / ma).toFixed(2)}x`);
    }
    if (wantCounts) console.log(await countsVersusScan(b));
  } finally {
    for (const s of stores) await s.close();
  }
}

const ROUNDS = 21;

function mid(xs: number[]): number {
  const sorted = [...xs].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** accounts.list and roles.list through the router (counters) against the counting they replaced, in raw SQL. */
async function countsVersusScan(s: BenchStore): Promise<string> {
  const raw = s.store.sqlite;
  const accountScan = raw.prepare(`SELECT t.account_id, count(DISTINCT t.member_id) AS n FROM (
      SELECT account_id, member_id FROM member_account UNION ALL SELECT account_id, member_id FROM member_role UNION ALL SELECT account_id, member_id FROM member_permission) t
    JOIN member ON member.id = t.member_id WHERE member.status <> 'deleted' GROUP BY t.account_id`);
  const roleScan = raw.prepare(`SELECT mr.role_id, count(DISTINCT member.id) AS n FROM member_role mr JOIN member ON member.id = mr.member_id WHERE member.status <> 'deleted' GROUP BY mr.role_id`);
  const router = await median(9, async () => Promise.all([s.caller.accounts.list(), s.caller.roles.list()]));
  const scan = await median(3, () => [accountScan.all(), roleScan.all()]);
  // The counters must say what the scan says.
  const shown = new Map((await s.caller.accounts.list()).map((a) => [a.id, a.members]));
  for (const r of accountScan.all() as { account_id: number; n: number }[]) if (shown.get(r.account_id) !== r.n) throw new Error(`account ${r.account_id}: counter ${shown.get(r.account_id)}, scan ${r.n}`);
  return `\ncounts at ${fmt(s.size)} members: accounts.list + roles.list through the router ${router.toFixed(2)} ms (trigger-kept counters) against ${scan.toFixed(1)} ms raw SQL counting over every grant (what they replaced): ${(router / scan).toFixed(3)}x`;
}
