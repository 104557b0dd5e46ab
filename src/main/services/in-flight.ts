import { performance } from 'node:perf_hooks';

/**
 * Calls under way in this process now (every procedure, whoever called it: web mode's HTTP, the
 * desktop's IPC, tests' callers), counted by the router's door. The read runner reads a Members page
 * on its own thread while other calls are under way (workers/read-runner.ts).
 */
let running = 0;

export function callStarted(): void {
  running++;
}

export function callEnded(): void {
  running--;
}

export function callsInFlight(): number {
  return running;
}

/** How long a measure of the event loop's load stands before it is taken again. */
const LOAD_WINDOW_MS = 20;
let loadMark = performance.eventLoopUtilization();
let loadMarkAt = performance.now();
let busy = false;

/**
 * Whether the event loop was busy more than half of the last window (about 20 ms): under load, calls
 * wait in the sockets before the router counts them, so callsInFlight alone can say "one call" while
 * dozens queue behind it.
 */
export function eventLoopBusy(): boolean {
  const now = performance.now();
  if (now - loadMarkAt >= LOAD_WINDOW_MS) {
    const mark = performance.eventLoopUtilization();
    busy = performance.eventLoopUtilization(mark, loadMark).utilization > 0.5;
    loadMark = mark;
    loadMarkAt = now;
  }
  return busy;
}
