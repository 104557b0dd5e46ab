// The local SCIM server for `npm run bench` in its own process (forked by test/bench/sync.ts), so that the
// server's work does not share the pushing client's event loop. Sends { baseUrl, token } once listening;
// each request takes BENCH_SCIM_LATENCY_MS (default 5) of simulated network latency; answers 'stats' with what it holds, the peak of requests in flight and its CPU time, 'reset' zeroes the counts (after the warm-up); exits on 'close' or when its parent goes.
import { startScimServer } from '../support/scim-server';

export interface ScimChildStats {
  users: number;
  groups: number;
  groupMembers: number;
  peakInFlight: number;
  requests: number;
  /** CPU time of the server process since the reset (ms): equal servers do equal work. */
  cpuMs: number;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

async function main(): Promise<void> {
  const scim = await startScimServer();
  // A real provider answers over a network: each request waits this long (default 5 ms) off the CPU, so
  // requests overlap on the server and the peak in flight shows the client's concurrency.
  scim.slowMs = Number(process.env.BENCH_SCIM_LATENCY_MS ?? 5);
  // The bench reads counts, not the log: keep memory flat over tens of thousands of requests.
  let requests = 0;
  let cpu = process.cpuUsage();
  scim.log = Object.assign([], { push: () => ++requests });
  process.on('message', (m: unknown) => {
    if (m === 'stats') {
      const groupMembers = [...scim.groups.values()].reduce((n, g) => n + g.members.length, 0);
      const stats: ScimChildStats = { users: scim.users.size, groups: scim.groups.size, groupMembers, peakInFlight: scim.peakInFlight, requests, cpuMs: cpuMs(process.cpuUsage(cpu)) };
      process.send!({ stats });
    } else if (m === 'reset') {
      // After the warm-up: count only the measured requests.
      requests = 0;
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
