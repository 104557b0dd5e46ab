// npm run bench [-- section…]: figures for Roster's hot paths, each with a ratio against a baseline in the same run.
// Sections: invites, outbox, startup, tables, firstrows, counts, search, searchsizes, searchtidy, sync, browser, stores, router (default: all; browser needs `npx electron-vite build`). BENCH_SMALL/BENCH_LARGE size the directory sections.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createContextInner, memoryCarrier } from '../../src/main/api/context';
import { createCaller } from '../../src/main/api/router';
import { systemClock } from '../../src/main/core/clock';
import { openStore } from '../../src/main/db/connect';
import { createServices } from '../../src/main/services';
import { benchBrowser } from './browser';
import { benchDirectory } from './directory';
import { fmt } from './fmt';
import { benchOutbox } from './outbox';
import { benchStartup } from './startup';
import { timedInviteBatch, timedRawHeap, timedRawRealSchema } from './invite-batch';
import { benchRouter } from './router';
import { benchStores } from './stores';
import { benchSearchSizes, benchSearchTidy } from './search';
import { benchSync } from './sync';

const INVITES = Number(process.env.BENCH_INVITES ?? 100_000);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 1_000_000);

async function benchInvites(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-'));
  try {
    const store = await openStore(join(dir, 'roster.sqlite'));
    const { ms: domainMs, cpuMs: domainCpu, organizationId } = await timedInviteBatch(store, INVITES);
    // Baseline (a) on a second fresh store: the real schema, every row the batch writes.
    const realStore = await openStore(join(dir, 'raw-real.sqlite'));
    const real = await timedRawRealSchema(realStore, INVITES);
    await realStore.close();
    // Baseline (b) in the first store: unindexed heap copies of member and link.
    const heap = timedRawHeap(store, organizationId, INVITES);
    await store.close();

    const rate = (ms: number) => fmt((INVITES / ms) * 1000);
    console.log(`invite ${fmt(INVITES)} addresses in one batch (domain layer: validation, dedupe, grants, links, audit, one transaction)`);
    console.log(`  domain:           ${fmt(domainMs)} ms  ${rate(domainMs)} invites/s  (CPU ${fmt(domainCpu)} ms)`);
    console.log(`  raw, real schema: ${fmt(real.ms)} ms  ${rate(real.ms)} rows/s  (CPU ${fmt(real.cpuMs)} ms; prepared multi-row member + member_role + link + audit inserts into a fresh store: every index and trigger)`);
    console.log(`  raw, heap:        ${fmt(heap.ms)} ms  ${rate(heap.ms)} rows/s  (CPU ${fmt(heap.cpuMs)} ms; prepared member + link inserts into copies with no index, no trigger, no FTS)`);
    console.log(`  ratio:            domain takes ${(domainMs / real.ms).toFixed(2)}x the raw real-schema insert (CPU ${(domainCpu / real.cpuMs).toFixed(2)}x), ${(domainMs / heap.ms).toFixed(2)}x the raw heap insert (CPU ${(domainCpu / heap.cpuMs).toFixed(2)}x)`);
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

const SECTIONS = ['invites', 'outbox', 'startup', 'tables', 'firstrows', 'counts', 'search', 'searchsizes', 'searchtidy', 'sync', 'browser', 'stores', 'router'] as const;
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
  if (sections.has('searchsizes')) await benchSearchSizes();
  if (sections.has('searchtidy')) await benchSearchTidy();
  if (sections.has('sync')) await benchSync();
  if (sections.has('browser')) await benchBrowser();
  if (sections.has('stores')) await benchStores();
  if (sections.has('router')) await benchRouter();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
