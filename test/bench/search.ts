// `npm run bench -- searchsizes`: the first page of a member search per fragment on stores of 1,000,
// 100,000 and 1,000,000 members (BENCH_SEARCH_SIZES overrides), wall and CPU time (median of 5 runs
// after a warm-up, through the router), before and after the id-order plan (searchBounds.idWalk
// off: the plans it answers ahead of). The 1M / 1k ratio per fragment (goal ≤ 1.5x, issue 17 item 4).
import { performance } from 'node:perf_hooks';
import { searchBounds } from '../../src/main/db/repos/member-search.repo';
import { fmt, seedStore } from './directory';

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
