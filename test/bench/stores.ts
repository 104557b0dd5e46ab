// npm run bench -- stores: the same figures on SQLite and on PostgreSQL in one run, side by side (issue 13, "Measured").
// A SQLite store of BENCH_STORES_MEMBERS members (default 1,000,000; the browser section's seeding and its
// cache in the temp folder) is copied into a throwaway PostgreSQL by the move code (db/move-to-postgres.ts);
// both are opened through the same services and router. Per figure: router and raw SQL on each store, and
// the PostgreSQL/SQLite ratio of the router figures. Goals on PostgreSQL: a page ≤ 5 ms, a search ≤ 20 ms.
// The invite batch (BENCH_STORES_INVITES, default 100,000) runs on a fresh small store of each kind, printed
// first as its own side-by-side table; BENCH_STORES_MEMBERS=0 stops there.
import Database from 'better-sqlite3';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createContextInner, memoryCarrier } from '../../src/main/api/context';
import { createCaller } from '../../src/main/api/router';
import { systemClock } from '../../src/main/core/clock';
import { openStore, type OpenedStore } from '../../src/main/db/connect';
import { openPostgres } from '../../src/main/db/connect-postgres';
import { MIGRATIONS } from '../../src/main/db/migrations';
import { moveToPostgres } from '../../src/main/db/move-to-postgres';
import { createServices } from '../../src/main/services';
import { createTestDatabase, startPostgres, type RunningPostgres } from '../support/postgres';
import { BENCH_OWNER, CACHE, schemaKey, seed } from './browser';
import { fmt, median } from './directory';
import { timedInviteBatch } from './invite-batch';

const MEMBERS = Number(process.env.BENCH_STORES_MEMBERS ?? 1_000_000);
const INVITES = Number(process.env.BENCH_STORES_INVITES ?? 100_000);
const RUNS = 15;
/**
 * Calls before the timed ones, per figure and store: a process that has just opened its PostgreSQL
 * pool pays, on each of the pool's connections, for a new backend's catalog caches and the driver's
 * and query builder's first runs (the first page after a start: 13-55 ms, then 8-10 ms for about
 * 15 calls, then 3-4 ms here). One warm-up measured that start, not the pages an admin turns.
 */
const WARMUPS = 20;

type Caller = ReturnType<typeof createCaller>;
/** One raw statement per figure, run on each store's own driver: `?` placeholders, numbered for pg. */
type Raw = (text: string, params: unknown[]) => Promise<unknown[]>;

interface Side {
  caller: Caller;
  raw: Raw;
  close(): Promise<void>;
}

/**
 * A data folder of n members (the owner, then n - 1 seeded by the browser section's seed()): copied
 * from the browser section's cache when its key matches, else registered and seeded here and cached
 * under that key (no web mode needed; other keys in the cache are left alone).
 */
export async function seededStore(dataDir: string, n: number): Promise<void> {
  const cached = join(CACHE, `${schemaKey()}-${n}`);
  if (existsSync(join(cached, 'roster.sqlite'))) {
    cpSync(cached, dataDir, { recursive: true });
    console.log(`${fmt(n)} members: store from ${cached}`);
    return;
  }
  // A store of an older schema (every migration it applied is one of ours): the copy is brought up to
  // date by the migrations when opened, as a user's store is. Seeding 1,000,000 takes ~30 minutes here.
  const older = existsSync(CACHE) ? readdirSync(CACHE).filter((d) => d.endsWith(`-${n}`) && existsSync(join(CACHE, d, 'roster.sqlite'))) : [];
  for (const d of older) {
    const probe = new Database(join(CACHE, d, 'roster.sqlite'), { readonly: true, fileMustExist: true });
    const applied = (probe.prepare('SELECT name FROM kysely_migration').all() as { name: string }[]).map((r) => r.name);
    probe.close();
    if (!applied.every((m) => m in MIGRATIONS)) continue;
    cpSync(join(CACHE, d), dataDir, { recursive: true });
    console.log(`${fmt(n)} members: store from ${join(CACHE, d)} (an older schema, migrated on open)`);
    return;
  }
  mkdirSync(dataDir, { recursive: true });
  const store = await openStore(join(dataDir, 'roster.sqlite'));
  const services = createServices({ db: store.db, clock: systemClock, publicBaseUrl: () => 'http://127.0.0.1:8450' });
  await createCaller(createContextInner({ services, sessionCarrier: memoryCarrier() })).auth.register(BENCH_OWNER);
  await store.close();
  const s0 = performance.now();
  seed(dataDir, n - 1);
  console.log(`seeded ${fmt(n)} members in ${fmt((performance.now() - s0) / 1000, 1)} s`);
  mkdirSync(CACHE, { recursive: true });
  const partial = `${cached}.partial`;
  rmSync(partial, { recursive: true, force: true });
  cpSync(dataDir, partial, { recursive: true });
  renameSync(partial, cached);
}

export async function signedIn(store: OpenedStore): Promise<Caller> {
  // As the app wires it (runtime.ts): the session's authorization kept where the store can say when it changed.
  const services = createServices({ db: store.db, clock: systemClock, publicBaseUrl: () => 'http://127.0.0.1:8450', authzGeneration: store.authzGeneration });
  const caller = createCaller(createContextInner({ services, sessionCarrier: memoryCarrier() }));
  const r = await caller.auth.signIn({ email: BENCH_OWNER.email, password: BENCH_OWNER.password });
  if (!r.ok) throw new Error('bench owner could not sign in');
  return caller;
}

/** Invites `INVITES` addresses in one batch on an empty store (domain layer, as the invites section). */
async function inviteBatch(store: OpenedStore): Promise<number> {
  return (await timedInviteBatch(store, INVITES)).ms;
}

interface Figure {
  label: string;
  goal?: number;
  router: (c: Caller) => Promise<unknown>;
  /** Raw SQL doing the same work, per store (null: no cheap equivalent). */
  sqlite: string | null;
  postgres: string | null;
  params: unknown[];
}

function rowsOf(r: unknown): number {
  if (r && typeof r === 'object' && 'items' in r) return (r as { items: unknown[] }).items.length;
  return -1;
}

const COLS = 'id, organization_id, person_id, email, email_normalized, name, phone, phone_digits, status, invited_by_member_id, invited_at, invite_expires_at, accepted_at, status_changed_at, created_at, updated_at, version, invited_at AS sort_key';

export async function benchStores(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'roster-bench-stores-'));
  let server: RunningPostgres | null = null;
  const sides: Side[] = [];
  try {
    // Invitations: one batch on a fresh store of each kind.
    server = await startPostgres();
    const small = await openStore(join(work, 'invites.sqlite'));
    const inviteSqlite = await inviteBatch(small);
    await small.close();
    const inviteDb = await createTestDatabase(server.adminUrl);
    const smallPg = await openPostgres(inviteDb.url);
    const invitePg = await inviteBatch(smallPg);
    await smallPg.close();
    await inviteDb.drop();

    const perSecond = (ms: number) => fmt((INVITES / ms) * 1000);
    console.log(`\ninvite ${fmt(INVITES)} addresses in one batch, fresh store of each kind (domain layer: validation, dedupe, grants, links, audit, counters, one transaction)`);
    console.log('| store | batch, ms | invites/s |');
    console.log('|---|---:|---:|');
    console.log(`| SQLite | ${fmt(inviteSqlite)} | ${perSecond(inviteSqlite)} |`);
    console.log(`| PostgreSQL | ${fmt(invitePg)} | ${perSecond(invitePg)} |`);
    console.log(`PostgreSQL/SQLite: ${(invitePg / inviteSqlite).toFixed(2)}×`);
    // BENCH_STORES_MEMBERS=0: the invite batch only (no 1,000,000-member directory to seed and move).
    if (MEMBERS <= 0) return;

    // The directory: seeded (or cached) SQLite, then the move into PostgreSQL.
    const dataDir = join(work, 'data');
    await seededStore(dataDir, MEMBERS);
    // Bring the copy's schema up to date (a no-op on a current store) before the move reads it.
    await (await openStore(join(dataDir, 'roster.sqlite'))).close();
    const target = await createTestDatabase(server.adminUrl);
    console.log(`moving ${fmt(MEMBERS)} members into PostgreSQL…`);
    const m0 = performance.now();
    await moveToPostgres({ from: dataDir, databaseUrl: target.url });
    const moveMs = performance.now() - m0;

    const lite = await openStore(join(dataDir, 'roster.sqlite'));
    lite.sqlite!.exec('ANALYZE');
    const sqliteRaw: Raw = async (text, params) => lite.sqlite!.prepare(text).all(...params);
    sides.push({ caller: await signedIn(lite), raw: sqliteRaw, close: () => lite.close() });
    const pgStore = await openPostgres(target.url);
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    const pgRaw: Raw = async (text, params) => {
      let n = 0;
      return (await client.query(text.replace(/\?/g, () => `$${++n}`), params)).rows;
    };
    sides.push({
      caller: await signedIn(pgStore),
      raw: pgRaw,
      close: async () => {
        await client.end();
        await pgStore.close();
      },
    });
    const org = ((await sides[0]!.caller.auth.state()).me!.organization.id);

    // A deep page by keyset: the cursor "Show more" reaches 50 rows before the end of the Active tab.
    const tail = (await sqliteRaw("SELECT invited_at AS value, id FROM member WHERE organization_id = ? AND status = 'accepted' ORDER BY invited_at ASC, id ASC LIMIT 1 OFFSET 50", [org]))[0] as { value: string; id: number };
    const ftsSearch = `SELECT ${COLS} FROM member WHERE organization_id = ? AND status <> 'deleted' AND id IN (SELECT rowid FROM member_search WHERE member_search MATCH ?) ORDER BY invited_at DESC, id DESC LIMIT 50`;
    const likeSearch = (cols: string) => `SELECT ${COLS} FROM member WHERE organization_id = ? AND status <> 'deleted' AND (${cols}) AND invited_at IS NOT NULL ORDER BY invited_at DESC, id DESC LIMIT 50`;
    /**
     * A search's second page: the first page's cursor, asked once per store and search (the row count
     * check before the timing), then the page after it. Router only (no raw SQL equivalent).
     */
    const secondPage = (label: string, search: string): Figure => {
      const cursors = new Map<Caller, { value: string | null; id: number } | null | undefined>();
      return {
        label,
        goal: 20,
        router: async (c) => {
          if (!cursors.has(c)) cursors.set(c, (await c.members.list({ search, limit: 50 })).nextCursor);
          return c.members.list({ search, limit: 50, cursor: cursors.get(c) });
        },
        sqlite: null,
        postgres: null,
        params: [],
      };
    };
    const figures: Figure[] = [
      {
        label: 'Active tab, first page',
        goal: 5,
        router: (c) => c.members.list({ status: 'accepted', limit: 50 }),
        sqlite: `SELECT ${COLS} FROM member WHERE organization_id = ? AND status = 'accepted' ORDER BY invited_at DESC, id DESC LIMIT 50`,
        // PostgreSQL: the key's NULLs apart, as the repository does (no index serves DESC NULLS LAST).
        postgres: `SELECT ${COLS} FROM member WHERE organization_id = ? AND status = 'accepted' AND invited_at IS NOT NULL ORDER BY invited_at DESC, id DESC LIMIT 50`,
        params: [org],
      },
      {
        label: 'Active tab, last page (order asc)',
        goal: 5,
        router: (c) => c.members.list({ status: 'accepted', limit: 50, order: 'asc' }),
        sqlite: `SELECT ${COLS} FROM member WHERE organization_id = ? AND status = 'accepted' ORDER BY invited_at ASC, id ASC LIMIT 50`,
        postgres: `SELECT ${COLS} FROM member WHERE organization_id = ? AND status = 'accepted' AND invited_at IS NOT NULL ORDER BY invited_at ASC, id ASC LIMIT 50`,
        params: [org],
      },
      {
        label: 'Active tab, last page (keyset cursor)',
        goal: 5,
        router: (c) => c.members.list({ status: 'accepted', limit: 50, cursor: tail }),
        // SQLite: the repository's first seek (the cursor's key past its id), which fills this page: a row
        // value would be sought on invited_at alone and walk every member of the seed's one batch.
        sqlite: `SELECT ${COLS} FROM member WHERE organization_id = ? AND status = 'accepted' AND invited_at = ? AND id < ? ORDER BY invited_at DESC, id DESC LIMIT 50`,
        postgres: `SELECT ${COLS} FROM member WHERE organization_id = ? AND status = 'accepted' AND invited_at IS NOT NULL AND (invited_at, id) < (?, ?) ORDER BY invited_at DESC, id DESC LIMIT 50`,
        params: [org, tail.value, tail.id],
      },
      {
        label: 'search name "son 98765"',
        goal: 20,
        router: (c) => c.members.list({ search: 'son 98765', limit: 50 }),
        sqlite: ftsSearch,
        postgres: likeSearch("lower(name) LIKE '%son 98765%' OR email_normalized LIKE '%son 98765%'"),
        params: [org, '{name email_normalized} : "son 98765"'],
      },
      {
        label: 'search email "son98765@"',
        goal: 20,
        router: (c) => c.members.list({ search: 'son98765@', limit: 50 }),
        sqlite: ftsSearch,
        postgres: likeSearch("lower(name) LIKE '%son98765@%' OR email_normalized LIKE '%son98765@%'"),
        params: [org, '{name email_normalized} : "son98765@"'],
      },
      {
        label: 'search phone "5550123"',
        goal: 20,
        router: (c) => c.members.list({ search: '5550123', limit: 50 }),
        sqlite: ftsSearch,
        postgres: likeSearch("lower(name) LIKE '%5550123%' OR email_normalized LIKE '%5550123%' OR phone_digits LIKE '%5550123%'"),
        params: [org, '{name email_normalized} : "5550123" OR phone_digits : "5550123"'],
      },
      // A rare fragment's second page: a cursor once drew PostgreSQL's planner into walking the sort index.
      secondPage('search phone "5550123", second page (keyset cursor)', '5550123'),
      {
        // example0 … example96: one address in 97 for each domain, spread evenly through the order.
        label: 'search email "example42" (one in 97, spread)',
        goal: 20,
        router: (c) => c.members.list({ search: 'example42', limit: 50 }),
        sqlite: ftsSearch,
        postgres: likeSearch("lower(name) LIKE '%example42%' OR email_normalized LIKE '%example42%'"),
        params: [org, '{name email_normalized} : "example42"'],
      },
      {
        // Person 10, 100–109, …, 100000–109999: about one in 90 (11,111), all far down the newest-first order.
        label: 'search name "son 10" (one in 90, far down the order)',
        goal: 20,
        router: (c) => c.members.list({ search: 'son 10', limit: 50 }),
        sqlite: null,
        postgres: null,
        params: [],
      },
      {
        // person1, person10–19, …, person100000–199999: one in nine, all far down the newest-first order.
        label: 'search email "person1" (one in nine, far down the order)',
        goal: 20,
        router: (c) => c.members.list({ search: 'person1', limit: 50 }),
        sqlite: null,
        postgres: null,
        params: [],
      },
      secondPage('search email "person1", second page (keyset cursor)', 'person1'),
      {
        label: 'tab counts',
        router: (c) => c.members.counts(),
        // Raw: GROUP BY over every member (the router reads the trigger-kept member_count rows).
        sqlite: 'SELECT status, count(*) AS n FROM member WHERE organization_id = ? GROUP BY status',
        postgres: 'SELECT status, count(*) AS n FROM member WHERE organization_id = ? GROUP BY status',
        params: [org],
      },
    ];
    const pgParams = (f: Figure) => (f.sqlite === ftsSearch ? [org] : f.params);

    const ms = (x: number | null) => (x === null ? '—' : x < 10 ? x.toFixed(2) : fmt(x));
    console.log(`\nstores side by side: ${fmt(MEMBERS)} members (copied into PostgreSQL ${server.port} by the move in ${fmt(moveMs / 1000, 1)} s); median of ${RUNS} calls after ${WARMUPS} warm-up calls, ms`);
    console.log('| figure | SQLite router | SQLite raw SQL | PostgreSQL router | PostgreSQL raw SQL | PG/SQLite (router) | PG goal |');
    console.log('|---|---:|---:|---:|---:|---:|---|');
    console.log(`| invite ${fmt(INVITES)} addresses, one batch (fresh store, domain layer) | ${fmt(inviteSqlite)} | — | ${fmt(invitePg)} | — | ${(invitePg / inviteSqlite).toFixed(2)}× | — |`);
    // The first page after signing in, one call each, as an admin who has just started Roster sees it.
    const cold: number[] = [];
    for (const side of sides) {
      const t = performance.now();
      await figures[0]!.router(side.caller);
      cold.push(performance.now() - t);
    }
    console.log(`| ${figures[0]!.label}: the first call after opening the store (cold, one call) | ${ms(cold[0]!)} | — | ${ms(cold[1]!)} | — | ${(cold[1]! / cold[0]!).toFixed(2)}× | — |`);
    for (const f of figures) {
      const [liteRows, pgRows] = [rowsOf(await f.router(sides[0]!.caller)), rowsOf(await f.router(sides[1]!.caller))];
      if (liteRows !== pgRows) throw new Error(`${f.label}: SQLite listed ${liteRows} rows, PostgreSQL ${pgRows}`);
      const r = [await median(RUNS, () => f.router(sides[0]!.caller), WARMUPS), await median(RUNS, () => f.router(sides[1]!.caller), WARMUPS)];
      const b = [f.sqlite ? await median(RUNS, () => sides[0]!.raw(f.sqlite!, f.params), WARMUPS) : null, f.postgres ? await median(RUNS, () => sides[1]!.raw(f.postgres!, pgParams(f)), WARMUPS) : null];
      const goal = f.goal === undefined ? '—' : `≤ ${f.goal} ${r[1]! <= f.goal ? 'met' : 'MISSED'}`;
      const rows = liteRows >= 0 ? ` (${liteRows} rows)` : '';
      console.log(`| ${f.label}${rows} | ${ms(r[0]!)} | ${ms(b[0]!)} | ${ms(r[1]!)} | ${ms(b[1]!)} | ${(r[1]! / r[0]!).toFixed(2)}× | ${goal} |`);
    }
  } finally {
    for (const s of sides) await s.close().catch(() => {});
    server?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
