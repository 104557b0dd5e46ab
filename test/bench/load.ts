// npm run load: 50 admin clients against web mode (a real child process) on a 100,000-member store,
// each looping list / search / open panel / small edit for LOAD_SECONDS (default 60), once alone and
// once while a 20,000-address invite batch runs, then both again with each client pausing between
// actions as a person does (LOAD_PAUSE_MS, mean 250 ms; 0 for none); prints requests/s, p50/p99/max
// per operation, errors. LOAD_MEMBERS, LOAD_CLIENTS, LOAD_BATCH size the run. The first
// LOAD_WARMUP_SECONDS (default 10) after the server starts are measured and printed on their own
// (a fresh process: its code not yet optimized, its caches cold); LOAD_TIMELINE=1 prints reads per
// 2-second window; LOAD_OPS=list,panel runs only those operations. Needs `npx electron-vite build` (out/main/serve.js).
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fmt, seedStore } from './directory';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const MEMBERS = Number(process.env.LOAD_MEMBERS ?? 100_000);
const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 50);
const BATCH = Number(process.env.LOAD_BATCH ?? 20_000);
/** The first seconds of a fresh server, measured and printed on their own before the runs (0: none). */
const WARMUP_SECONDS = Number(process.env.LOAD_WARMUP_SECONDS ?? 10);
/** The paced runs' mean pause between one client's actions (0: no paced runs). */
const PAUSE_MS = Number(process.env.LOAD_PAUSE_MS ?? 250);
const SERVE = resolve(__dirname, '../../out/main/serve.js');
/** Extra Node arguments for the server (LOAD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p" to profile it under load). */
const NODE_ARGS = (process.env.LOAD_NODE_ARGS ?? '').split(' ').filter(Boolean);
const PASSWORD = 'correct horse battery staple';

/**
 * One browser: its own session cookie and its own keep-alive connection, the web client's headers
 * (same origin, x-roster-client). Plain node:http, not fetch: the clients share the machine's two
 * cores with the server, and undici's fetch cost several times the CPU per request.
 */
class Client {
  private cookie = '';
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly url: URL;
  constructor(private readonly base: string) {
    this.url = new URL(base);
  }

  private headers(): Record<string, string> {
    return { origin: this.base, 'x-roster-client': 'web', 'x-roster-idle-ms': '0', ...(this.cookie ? { cookie: this.cookie } : {}) };
  }

  private send(method: 'GET' | 'POST', path: string, body?: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const headers = this.headers();
      if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      const req = request({ host: this.url.hostname, port: this.url.port, path, method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const set = res.headers['set-cookie'];
          if (set?.length) this.cookie = set.map((c) => c.split(';')[0]).join('; ');
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString()) as { result?: { data: unknown }; error?: { message?: string; json?: { message?: string } } };
            if ((res.statusCode ?? 500) >= 400 || parsed.error) reject(new Error(`${res.statusCode} ${parsed.error?.message ?? parsed.error?.json?.message ?? ''}`));
            else resolve(parsed.result!.data);
          } catch (e) {
            reject(e);
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  query(path: string, input: unknown): Promise<unknown> {
    const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return this.send('GET', `/trpc/${path}${query}`);
  }

  mutation(path: string, input: unknown): Promise<unknown> {
    return this.send('POST', `/trpc/${path}`, JSON.stringify(input));
  }

  close(): void {
    this.agent.destroy();
  }
}

type Op = 'list' | 'search' | 'panel' | 'edit';
const ALL_OPS: Op[] = ['list', 'search', 'panel', 'edit'];
/** LOAD_OPS=list,panel: only these operations (what each costs the server on its own); all four by default. */
const OPS: Op[] = process.env.LOAD_OPS ? ALL_OPS.filter((o) => process.env.LOAD_OPS!.split(',').includes(o)) : ALL_OPS;

interface Run {
  times: Record<Op, number[]>;
  errors: Record<Op, number>;
  firstError: string | null;
  seconds: number;
  /** CPU time the server process used during the run (all its threads), when the system says (Linux). */
  serverCpuMs: number | null;
  /** CPU time this process (the 50 clients) used during the run: on this machine they share its cores with the server. */
  clientCpuMs: number;
  /** Each read's start (ms from the run's start) and time, for LOAD_TIMELINE=1. */
  timeline: [number, number][];
}

/** CPU milliseconds a process has used so far (user + system, all threads), from /proc on Linux; null elsewhere. */
function processCpuMs(pid: number | undefined): number | null {
  const stat = pid === undefined ? null : (() => { try { return readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return null; } })();
  if (!stat) return null;
  // Fields after the command (which may hold spaces) closes with ')': utime and stime are the 12th and 13th, in ticks of 10 ms.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Seeded member i has id i + 2 (the Owner is 1); i % 10 < 3 are accepted members, safe to edit. */
function randomMember(): number {
  const i = Math.floor(Math.random() * (MEMBERS / 10)) * 10 + Math.floor(Math.random() * 3);
  return Math.min(i, MEMBERS - 1) + 2;
}

async function step(c: Client, op: Op): Promise<void> {
  switch (op) {
    case 'list':
      return void (await c.query('members.list', { limit: 50 }));
    case 'search':
      return void (await c.query('members.list', { search: `person${Math.floor(Math.random() * MEMBERS)}@`, limit: 50 }));
    case 'panel':
      return void (await c.query('members.detail', { id: randomMember() }));
    case 'edit':
      return void (await c.mutation('members.edit', { id: randomMember(), name: `Load ${Math.floor(Math.random() * 1e6)}` }));
  }
}

/** The web-mode server's process id, once started. */
let serverPid: number | undefined;

async function drive(clients: Client[], seconds: number, pauseMs = 0): Promise<Run> {
  const run: Run = { times: { list: [], search: [], panel: [], edit: [] }, errors: { list: 0, search: 0, panel: 0, edit: 0 }, firstError: null, seconds, serverCpuMs: null, clientCpuMs: 0, timeline: [] };
  const cpuBefore = processCpuMs(serverPid);
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    clients.map(async (c, n) => {
      for (let k = n; performance.now() < end; k++) {
        const op = OPS[k % OPS.length]!;
        const t = performance.now();
        try {
          await step(c, op);
          run.times[op].push(performance.now() - t);
          if (op !== 'edit') run.timeline.push([t - start, performance.now() - t]);
        } catch (e) {
          run.errors[op]++;
          run.firstError ??= `${op}: ${e instanceof Error ? e.message : String(e)}`;
        }
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, Math.random() * 2 * pauseMs));
      }
    }),
  );
  const cpuAfter = processCpuMs(serverPid);
  const client = process.cpuUsage(clientBefore);
  run.clientCpuMs = (client.user + client.system) / 1000;
  run.serverCpuMs = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  return run;
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]! : NaN;
}

function report(label: string, run: Run): void {
  const total = OPS.reduce((a, op) => a + run.times[op].length, 0);
  const errors = OPS.reduce((a, op) => a + run.errors[op], 0);
  const cpu = run.serverCpuMs === null ? '' : `, server CPU ${(run.serverCpuMs / total).toFixed(2)} ms per request (all its threads)`;
  console.log(`\n${label}: ${fmt(total / run.seconds)} requests/s${cpu}, clients' CPU ${(run.clientCpuMs / total).toFixed(2)} ms per request, ${errors} errors${run.firstError ? ` (first: ${run.firstError})` : ''}`);
  for (const op of OPS) {
    const t = [...run.times[op]].sort((a, b) => a - b);
    console.log(`  ${op.padEnd(7)} n=${String(t.length).padStart(6)}  p50 ${fmt(pct(t, 50), 1).padStart(7)} ms  p99 ${fmt(pct(t, 99), 1).padStart(7)} ms  max ${fmt(t[t.length - 1] ?? NaN, 1).padStart(7)} ms  errors ${run.errors[op]}`);
  }
  const reads = OPS.filter((o) => o !== 'edit').flatMap((o) => run.times[o]).sort((a, b) => a - b);
  const p99 = pct(reads, 99);
  console.log(`  reads p99 ${fmt(p99, 1)} ms (goal ≤ 100 ms) ${p99 <= 100 && errors === 0 ? 'MET' : 'NOT MET'}`);
  if (process.env.LOAD_TIMELINE === '1') {
    // Reads by the 2-second window they started in: whether the slow ones cluster (a pause, a tidy) or spread evenly.
    const windows = new Map<number, number[]>();
    for (const [at, ms] of run.timeline) {
      const w = Math.floor(at / 2000);
      if (!windows.has(w)) windows.set(w, []);
      windows.get(w)!.push(ms);
    }
    for (const [w, ms] of [...windows].sort((a, b) => a[0] - b[0])) {
      ms.sort((a, b) => a - b);
      console.log(`    ${String(w * 2).padStart(3)}–${w * 2 + 2} s  n=${String(ms.length).padStart(5)}  p50 ${fmt(pct(ms, 50), 1).padStart(6)}  p99 ${fmt(pct(ms, 99), 1).padStart(6)}  max ${fmt(ms[ms.length - 1]!, 1).padStart(6)}`);
    }
  }
}

function serve(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [...NODE_ARGS, SERVE, '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
  let out = '';
  return new Promise((ok, fail) => {
    const look = (d: Buffer) => {
      out += d.toString();
      const m = /Roster listening on (http:\/\/\S+)/.exec(out);
      if (m) ok({ child, base: m[1]!.replace(/\/$/, '') });
    };
    child.stdout!.on('data', look);
    // The server's own errors are shown (a failed request says only "Something went wrong").
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
      process.stderr.write(d);
    });
    child.on('exit', (code) => fail(new Error(`web mode exited (${code}): ${out}`)));
  });
}

async function main(): Promise<void> {
  if (!existsSync(SERVE)) throw new Error('Build web mode first: npx electron-vite build');
  console.log(`load: ${CLIENTS} admin clients, ${fmt(MEMBERS)} members, ${SECONDS} s per run, web mode in a child process`);
  const seeded = await seedStore(MEMBERS);
  const dataDir = dirname(seeded.store.file);
  await seeded.store.close();
  console.log(`store seeded in ${fmt(seeded.seedMs)} ms`);
  const { child, base } = await serve(dataDir);
  serverPid = child.pid;
  const clients = Array.from({ length: CLIENTS }, () => new Client(base));
  try {
    // Each client signs in for its own session cookie, five at a time: the password hashes run side by side
    // on the thread pool, and stay under the guess limiter's allowance of attempts in flight for one person.
    const t0 = performance.now();
    for (let i = 0; i < clients.length; i += 5)
      await Promise.all(clients.slice(i, i + 5).map((c) => c.mutation('auth.signIn', { email: 'owner@bench.test', password: PASSWORD })));
    console.log(`${CLIENTS} sessions signed in in ${fmt(performance.now() - t0)} ms`);
    if (WARMUP_SECONDS > 0) report(`first ${WARMUP_SECONDS} s after start (a fresh process)`, await drive(clients, WARMUP_SECONDS));
    report('alone', await drive(clients, SECONDS));
    const batched = async (label: string, pauseMs: number) => {
      const inviter = new Client(base);
      clients.push(inviter);
      await inviter.mutation('auth.signIn', { email: 'owner@bench.test', password: PASSWORD });
      const roles = (await inviter.query('roles.list', undefined)) as { id: number; builtin: string | null }[];
      const member = roles.find((r) => r.builtin === 'member')!.id;
      const entries = Array.from({ length: BATCH }, (_, i) => ({ email: `load${label ? "paced" : ""}${i}@example${i % 89}.org` }));
      const t = performance.now();
      let batchMs = NaN;
      // Settled at once either way: a refused batch rejecting while the clients run would end this
      // process before its `finally`, and leave the server running.
      const batch = inviter.mutation('members.invite', { entries, grants: { roleIds: [member] } }).then(
        (r) => {
          batchMs = performance.now() - t;
          return { ok: r as { invited: unknown[] } };
        },
        (e: unknown) => ({ error: e }),
      );
      const during = await drive(clients.slice(0, CLIENTS), SECONDS, pauseMs);
      const settled = await batch;
      if ('error' in settled) throw settled.error;
      const done = settled.ok;
      report(`${label}with a ${fmt(BATCH)}-address invite batch (${done.invited.length} invited in ${fmt(batchMs)} ms, from the request)`, during);
    };
    // LOAD_BATCH=0: the runs without a batch only.
    if (BATCH > 0) await batched('', 0);
    // The same clients at a person's pace: a pause of 0 to 2×PAUSE ms between actions. Without a
    // pause, 50 clients always have 50 requests waiting, and a request's wait is 50 over the
    // throughput whatever the server does; with it, the figures show the wait a person would see.
    if (PAUSE_MS > 0) {
      const label = `paced (a pause of 0–${fmt(2 * PAUSE_MS)} ms between actions) `;
      report(`${label}alone`, await drive(clients.slice(0, CLIENTS), SECONDS, PAUSE_MS));
      if (BATCH > 0) await batched(label, PAUSE_MS);
    }
  } finally {
    for (const c of clients) c.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
