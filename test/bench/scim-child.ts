// The local SCIM server for `npm run bench` in its own process (forked by test/bench/sync.ts), so that the
// server's work does not share the pushing client's event loop. Sends { baseUrl, token } once listening;
// each request takes BENCH_SCIM_LATENCY_MS (default 5) of simulated network latency; answers 'stats' with what it holds, the peak of requests in flight, the time
// requests spent in it (their sum over a run's duration is the average in flight), when the first group request came, and its CPU time; 'reset' zeroes the
// counts (after the warm-up); exits on 'close' or when its parent goes. It announces bulk maxOperations BENCH_SCIM_MAX_OPERATIONS (default 1,000): scimmy
// re-reads a whole group for every PATCH, so the 10,000-member role group costs the server (not the client) O(members) per chunk; 1,000 per chunk
// instead of 100 keeps a 10,000-member round to minutes. Both sides read the same value and chunk alike.
import { startScimServer, type LoggedRequest } from '../support/scim-server';

export interface ScimChildStats {
  users: number;
  groups: number;
  groupMembers: number;
  peakInFlight: number;
  requests: number;
  /** CPU time of the server process since the reset (ms): equal servers do equal work. */
  cpuMs: number;
  /** Σ over requests of (answered − arrived), ms: divided by the run's duration, the average number in flight. */
  requestMs: number;
  /** Date.now() of the first request after the reset, and of the first request to /Groups (the users are done), or null. */
  firstAt: number | null;
  firstGroupAt: number | null;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

async function main(): Promise<void> {
  const scim = await startScimServer({ maxOperations: Number(process.env.BENCH_SCIM_MAX_OPERATIONS ?? 1000) });
  // A real provider answers over a network: each request waits this long (default 5 ms) off the CPU, so
  // requests overlap on the server and the peak in flight shows the client's concurrency.
  scim.slowMs = Number(process.env.BENCH_SCIM_LATENCY_MS ?? 5);
  // The bench reads counts, not the log: keep memory flat over tens of thousands of requests.
  let requests = 0;
  let requestMs = 0;
  let firstAt: number | null = null;
  let firstGroupAt: number | null = null;
  let cpu = process.cpuUsage();
  // The server sets an entry's status when its answer is finished: that is when the request leaves.
  scim.log = Object.assign([], {
    push: (entry: LoggedRequest) => {
      ++requests;
      const arrived = performance.now();
      firstAt ??= Date.now();
      if (entry.path.startsWith('/Groups')) firstGroupAt ??= Date.now();
      Object.defineProperty(entry, 'status', {
        set: () => {
          requestMs += performance.now() - arrived;
        },
      });
      return requests;
    },
  });
  process.on('message', (m: unknown) => {
    if (m === 'stats') {
      const groupMembers = [...scim.groups.values()].reduce((n, g) => n + g.members.length, 0);
      const stats: ScimChildStats = { users: scim.users.size, groups: scim.groups.size, groupMembers, peakInFlight: scim.peakInFlight, requests, cpuMs: cpuMs(process.cpuUsage(cpu)), requestMs, firstAt, firstGroupAt };
      process.send!({ stats });
    } else if (m === 'reset') {
      // After the warm-up: count only the measured requests.
      requests = 0;
      requestMs = 0;
      firstAt = null;
      firstGroupAt = null;
      scim.peakInFlight = 0;
      cpu = process.cpuUsage();
    } else if (m === 'close') {
      void scim.close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: { baseUrl: scim.baseUrl, token: scim.token } });
}

void main();
