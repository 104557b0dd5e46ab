// npm run bench -- router: what one Members page costs through the router (issue 17 item 5, issue 13),
// on SQLite and PostgreSQL, with a store of BENCH_ROUTER_MEMBERS members (default 100,000; the stores
// section's cached seed, copied into a throwaway PostgreSQL by the move). Per call: the statements it
// runs (a count, not a time: it does not move with the machine's load), the wall time against its raw
// SQL, and on SQLite the CPU time against the raw SQL's (the ratio the goal is about).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { KyselyPlugin } from 'kysely';
import { openStore, type OpenedStore } from '../../src/main/db/connect';
import { openPostgres } from '../../src/main/db/connect-postgres';
import { moveToPostgres } from '../../src/main/db/move-to-postgres';
import { createTestDatabase, startPostgres, type RunningPostgres } from '../support/postgres';
import { fmt } from './directory';
import { seededStore, signedIn } from './stores';

const MEMBERS = Number(process.env.BENCH_ROUTER_MEMBERS ?? 100_000);
const RUNS = 301;
/** Calls made before timing: V8 optimizes a function after some hundreds of calls, as a running app's are. */
const WARM_UP = 500;
const COLS = 'id, organization_id, person_id, email, email_normalized, name, phone, phone_digits, status, invited_by_member_id, invited_at, invite_expires_at, accepted_at, status_changed_at, created_at, updated_at, version, invited_at AS sort_key';

/** Counts the statements a store runs (every executed query passes transformResult once). */
function counted(store: OpenedStore): { store: OpenedStore; count: () => number } {
  let n = 0;
  const plugin: KyselyPlugin = { transformQuery: (a) => a.node, transformResult: async (a) => (n++, a.result) };
  return { store: { ...store, db: store.db.withPlugin(plugin) } as OpenedStore, count: () => n };
}

/**
 * Median wall milliseconds of each of two calls, timed in turn (a and b, then a and b…) so that the
 * machine's other work weighs on both alike.
 */
async function pairedMedians(runs: number, a: () => unknown, b: () => unknown): Promise<[number, number]> {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await a();
    ta.push(performance.now() - t);
    t = performance.now();
    await b();
    tb.push(performance.now() - t);
  }
  const mid = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return [mid(ta), mid(tb)];
}

/** CPU milliseconds of this process per call (user + system), warmed up before. */
async function cpuPerCall(runs: number, fn: () => unknown): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < runs; i++) await fn();
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000 / runs;
}

export async function benchRouter(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'roster-bench-router-'));
  let server: RunningPostgres | null = null;
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const dataDir = join(work, 'data');
    await seededStore(dataDir, MEMBERS);
    await (await openStore(join(dataDir, 'roster.sqlite'))).close();
    server = await startPostgres();
    const target = await createTestDatabase(server.adminUrl);
    await moveToPostgres({ from: dataDir, databaseUrl: target.url });

    const lite = await openStore(join(dataDir, 'roster.sqlite'));
    closers.push(() => lite.close());
    const pgStore = await openPostgres(target.url);
    closers.push(() => pgStore.close());
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    closers.push(() => client.end());
    const sides = [
      { name: 'SQLite', plain: lite, ...counted(lite), raw: async (text: string) => lite.sqlite!.prepare(text).all(1) },
      { name: 'PostgreSQL', plain: pgStore, ...counted(pgStore), raw: async (text: string) => (await client.query(text.replace('?', '$1'), [1])).rows },
    ];
    const pages = [
      { label: 'Active tab, first page', input: { status: 'accepted' as const, limit: 50 }, order: 'DESC' },
      { label: 'Active tab, last page', input: { status: 'accepted' as const, limit: 50, order: 'asc' as const }, order: 'ASC' },
    ];
    console.log(`\nrouter overhead: members.list at ${fmt(MEMBERS)} members, after ${WARM_UP} calls of each, median of ${RUNS} calls timed in turn with the raw SQL's (CPU: mean of ${RUNS * 10})`);
    console.log('| store | page | statements per call | router ms | raw SQL ms | ratio | router CPU ms | raw SQL CPU ms | CPU ratio |');
    console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const side of sides) {
      // The statements counted through a store that counts them; the time taken without that plugin's hop.
      const counting = await signedIn(side.store);
      const caller = await signedIn(side.plain);
      for (const p of pages) {
        const raw = `SELECT ${COLS} FROM member WHERE organization_id = ? AND status = 'accepted' AND invited_at IS NOT NULL ORDER BY invited_at ${p.order}, id ${p.order} LIMIT 50`;
        const call = () => caller.members.list(p.input);
        const rawCall = () => side.raw(raw);
        await counting.members.list(p.input);
        const before = side.count();
        await counting.members.list(p.input);
        const statements = side.count() - before;
        for (let i = 0; i < WARM_UP; i++) {
          await call();
          await rawCall();
        }
        const [r, b] = await pairedMedians(RUNS, call, rawCall);
        const cpu = side.name === 'SQLite' ? [await cpuPerCall(RUNS * 10, call), await cpuPerCall(RUNS * 10, rawCall)] : null;
        const cpuCells = cpu ? `${cpu[0]!.toFixed(2)} | ${cpu[1]!.toFixed(2)} | ${(cpu[0]! / cpu[1]!).toFixed(1)}×` : '— | — | —';
        console.log(`| ${side.name} | ${p.label} | ${statements} | ${r.toFixed(2)} | ${b.toFixed(2)} | ${(r / b).toFixed(1)}× | ${cpuCells} |`);
      }
    }
  } finally {
    for (const c of closers.reverse()) await c().catch(() => {});
    server?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
