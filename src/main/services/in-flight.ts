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
