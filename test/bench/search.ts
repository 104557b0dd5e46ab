// `npm run bench -- searchsizes`: the first page of a member search per fragment on stores of 1,000,
// 100,000 and 1,000,000 members (BENCH_SEARCH_SIZES overrides), wall and CPU time (median of 5 runs
// after a warm-up, through the router), before and after the id-order plan (searchBounds.idWalk
// off: the plans it answers ahead of). The 1M / 1k ratio per fragment (goal ≤ 1.5x, issue 17 item 4).
// Then the count of a search's matches ("select all matching", members.countMatching) on the main
// thread (the baseline) and in the read worker: its time, and the longest the event loop was held
// while it ran (every other admin's request waits that long).
import { performance } from 'node:perf_hooks';
import { searchBounds } from '../../src/main/db/repos/member-search.repo';
import { searchIndexSegments } from '../../src/main/db/repos/search-index.repo';
import { TIDY_PAGES } from '../../src/main/db/search-tidy';
import { batchRunnerFor } from '../../src/main/workers/batch-runner';
import { readRunnerFor } from '../../src/main/workers/read-runner';
import { fmt, seedStore, type BenchStore } from './directory';

/** Fragments of the seed (person{i}@example{i % 97}.com, "Person {i}", phone 1415 and i in 7 digits), newest first. */
const FRAGMENTS: { text: string; note: string }[] = [
  { text: 'person4', note: 'one in nine, far down' },
  { text: 'person42', note: 'one in 90, far down' },
  { text: 'son 1', note: 'name, one in nine, far down' },
  { text: 'example4', note: 'one in ten, spread' },
  { text: '555012', note: 'phone digits, rare' },
  { text: 'person', note: 'every member' },
  { text: 'pe', note: '2 chars, every member' },
  { text: 'zq', note: '2 chars, none' },
];

const RUNS = 5;

interface Timing {
  wall: number;
  cpu: number;
}

async function timed(fn: () => Promise<unknown>): Promise<Timing> {
  await fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await fn();
    walls.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpus.push((d.user + d.system) / 1000);
  }
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wall: mid(walls), cpu: mid(cpus) };
}

export async function benchSearchSizes(): Promise<void> {
  const sizes = (process.env.BENCH_SEARCH_SIZES ?? '1000,100000,1000000').split(',').map(Number);
  const results = new Map<number, Map<string, { before: Timing; after: Timing }>>();
  for (const size of sizes) {
    const s = await seedStore(size);
    console.log(`\nsearch, first page of 50, newest first, ${fmt(size)} members (seeded in ${fmt(s.seedMs)} ms); median of ${RUNS} runs, wall / CPU ms`);
    const bySize = new Map<string, { before: Timing; after: Timing }>();
    try {
      for (const f of FRAGMENTS) {
        const run = () => s.caller.members.list({ search: f.text, limit: 50 });
        searchBounds.idWalk = false;
        const before = await timed(run);
        const shownBefore = (await run()).items.map((m) => m.id).join();
        searchBounds.idWalk = true;
        const after = await timed(run);
        if ((await run()).items.map((m) => m.id).join() !== shownBefore) throw new Error(`search "${f.text}": the page differs with the id-order plan`);
        bySize.set(f.text, { before, after });
        const cell = (t: Timing) => `${t.wall.toFixed(2).padStart(8)} / ${t.cpu.toFixed(2).padStart(8)}`;
        console.log(`  ${`"${f.text}" (${f.note})`.padEnd(40)} before ${cell(before)}   after ${cell(after)}`);
      }
    } finally {
      searchBounds.idWalk = true;
      await countFigures(s.services, s.caller, s.store);
      await s.close();
    }
    results.set(size, bySize);
  }
  const small = results.get(sizes[0]!);
  const large = results.get(sizes[sizes.length - 1]!);
  if (!small || !large || sizes.length < 2) return;
  console.log(`\n${fmt(sizes[sizes.length - 1]!)} / ${fmt(sizes[0]!)} members, wall-time ratio per fragment (goal ≤ 1.5x):`);
  for (const f of FRAGMENTS) {
    const a = small.get(f.text)!;
    const b = large.get(f.text)!;
    console.log(`  ${`"${f.text}"`.padEnd(12)} before ${(b.before.wall / a.before.wall).toFixed(2).padStart(7)}x   after ${(b.after.wall / a.after.wall).toFixed(2).padStart(7)}x`);
  }
}

const COUNTED = ['person4', 'son 1', 'pe'];

/** The longest gap between two turns of the event loop while `fn` runs, and its wall time. */
async function heldWhile(fn: () => Promise<unknown>): Promise<{ wall: number; held: number }> {
  let last = performance.now();
  let held = 0;
  let running = true;
  const tick = () => {
    const now = performance.now();
    held = Math.max(held, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const t = performance.now();
  await fn();
  const wall = performance.now() - t;
  running = false;
  held = Math.max(held, performance.now() - last);
  return { wall, held };
}

async function countFigures(services: BenchStore['services'], caller: BenchStore['caller'], store: BenchStore['store']): Promise<void> {
  const reads = readRunnerFor(store)!;
  console.log(`  count of the matches (members.countMatching), median of ${RUNS}: wall ms / longest event-loop hold ms, main thread → read worker`);
  try {
    for (const text of COUNTED) {
      const measure = async () => {
        await caller.members.countMatching({ search: text });
        const runs: { wall: number; held: number }[] = [];
        for (let i = 0; i < RUNS; i++) runs.push(await heldWhile(() => caller.members.countMatching({ search: text })));
        const mid = (k: 'wall' | 'held') => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
        return { wall: mid('wall'), held: mid('held') };
      };
      services.deps.reads = undefined;
      const main = await measure();
      services.deps.reads = reads;
      const worker = await measure();
      const cell = (m: { wall: number; held: number }) => `${m.wall.toFixed(1).padStart(7)} / ${m.held.toFixed(1).padStart(7)}`;
      console.log(`  ${`"${text}"`.padEnd(40)} main ${cell(main)}   worker ${cell(worker)}   hold ratio ${(worker.held / main.held).toFixed(3)}x`);
    }
  } finally {
    services.deps.reads = undefined;
    await reads.close();
  }
}

/**
 * `npm run bench -- searchtidy`: the search index tidy (db/search-tidy.ts) at BENCH_TIDY_SIZE
 * members (100,000): the seed (one transaction), then BENCH_TIDY_EDITS admins' edits (one
 * transaction each, through the router) fragment the FTS5 index; the trigram lookup a search starts
 * with (the lead's figure: MATCH … LIMIT 2001, per query, median of 5 rounds of 200 random ids) and
 * a search's first page through the router, before and after the tidy; the tidy's steps and time;
 * an edit's time alone and while the tidy runs (it waits for one step at most).
 */
export async function benchSearchTidy(): Promise<void> {
  const size = Number(process.env.BENCH_TIDY_SIZE ?? 100_000);
  const edits = Number(process.env.BENCH_TIDY_EDITS ?? 300);
  const s = await seedStore(size);
  const runner = batchRunnerFor(s.store)!;
  s.services.deps.batches = runner;
  try {
    const raw = s.store.sqlite;
    const lookup = raw.prepare('SELECT rowid FROM member_search WHERE member_search MATCH ? LIMIT 2001');
    const perQuery = (pattern: string) => {
      const rounds: number[] = [];
      for (let r = 0; r <= RUNS; r++) {
        const t = performance.now();
        for (let i = 0; i < 200; i++) lookup.all(pattern.replace('#', String(Math.floor(Math.random() * size))));
        if (r > 0) rounds.push((performance.now() - t) / 200);
      }
      return rounds.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
    };
    const edit = async (k: number) => {
      const t = performance.now();
      // Accepted members (every tenth from the first), whose names an admin may edit.
      await s.caller.members.edit({ id: 2 + ((k * 7919) % Math.floor(size / 10)) * 10, name: `Edited ${k}` });
      return performance.now() - t;
    };
    const figures = async () => ({
      segments: await searchIndexSegments(s.store.db),
      person: perQuery('"person#@"'),
      digits: perQuery('"#@"'),
      page: (await timed(() => s.caller.members.list({ search: 'person12345@', limit: 50 }))).wall,
    });
    console.log(`\nsearch index tidy, ${fmt(size)} members (seeded in ${fmt(s.seedMs)} ms, index then ${await searchIndexSegments(s.store.db)} segment(s)); ${edits} edits, one transaction each`);
    const alone: number[] = [];
    for (let k = 0; k < edits; k++) alone.push(await edit(k));
    const before = await figures();
    let t = performance.now();
    await runner.tidySearch();
    const tidyMs = performance.now() - t;
    const steps = runner.tidySteps;
    const after = await figures();
    // Fragmented again by as many edits, then tidied while an admin keeps editing.
    for (let k = 0; k < edits; k++) await edit(edits + k);
    const again = await searchIndexSegments(s.store.db);
    let tidying = true;
    const during: number[] = [];
    t = performance.now();
    const tidy = runner.tidySearch().then(() => (tidying = false));
    for (let k = 2 * edits; tidying; k++) during.push(await edit(k));
    await tidy;
    const duringMs = performance.now() - t;
    const q = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
    const edits3 = (xs: number[]) => `p50 ${q(xs, 0.5).toFixed(2)} / p95 ${q(xs, 0.95).toFixed(2)} / max ${Math.max(...xs).toFixed(2)}`;
    const row = (label: string, a: number, b: number, digits = 3) => console.log(`  ${label.padEnd(52)} ${a.toFixed(digits).padStart(8)} → ${b.toFixed(digits).padStart(8)}   ${(a / b).toFixed(2)}x`);
    console.log(`  ${'segments in the index'.padEnd(52)} ${String(before.segments).padStart(8)} → ${String(after.segments).padStart(8)}`);
    row('MATCH \'"person#@"\' LIMIT 2001, ms per query', before.person, after.person);
    row('MATCH \'"#@"\' LIMIT 2001, ms per query', before.digits, after.digits);
    row('members.list "person12345@" first page, ms (median 5)', before.page, after.page, 2);
    console.log(`  tidy: ${steps} steps of ${TIDY_PAGES} pages in ${fmt(tidyMs)} ms wall (pauses between steps included)`);
    console.log(`  an admin's edit (members.edit), ms, ${edits} alone: ${edits3(alone)}`);
    console.log(`  again after ${edits} more edits (${again} segments): tidy ${runner.tidySteps - steps} steps in ${fmt(duringMs)} ms while ${during.length} edits ran: ${edits3(during)}; ${await searchIndexSegments(s.store.db)} segments left (the edits made meanwhile)`);
  } finally {
    await runner.close();
    await s.close();
  }
}
