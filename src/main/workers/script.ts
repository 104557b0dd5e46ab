import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread's entry: the built app's out/main/<name>.js next to this bundle (or its chunk),
 * else the TS source run through tsx (tests, bench).
 */
export function workerScript(name: 'batch-worker' | 'read-worker'): { code: string; eval: boolean } {
  for (const dir of [__dirname, join(__dirname, '..')]) {
    const built = join(dir, `${name}.js`);
    if (existsSync(built)) return { code: built, eval: false };
  }
  const source = join(__dirname, `${name}.ts`);
  return { code: `require('tsx/cjs'); require(${JSON.stringify(source)});`, eval: true };
}

/**
 * Starts a worker thread that does not keep the process alive when idle. `stopped` hears once why it
 * ended: the error it threw, or "exit N".
 */
export function startWorker<M>(name: 'batch-worker' | 'read-worker', onMessage: (m: M) => void, stopped: (reason: Error | string) => void): Worker {
  const script = workerScript(name);
  const worker = new Worker(script.code, { eval: script.eval });
  worker.unref();
  worker.on('message', onMessage);
  worker.on('error', (e) => stopped(e));
  worker.on('exit', (code) => stopped(`exit ${code}`));
  return worker;
}
