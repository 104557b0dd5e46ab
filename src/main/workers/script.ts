import { existsSync } from 'node:fs';
import { join } from 'node:path';

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
