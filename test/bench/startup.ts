// npm run bench -- startup: web mode from spawn to its first answer, against a bare Node server.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fmt } from './fmt';

/**
 * Milliseconds from spawning `node args…` until it answers its first HTTP request: once it prints
 * "listening on http://…", GET `path` there and wait for the whole 200 answer; the process is then stopped.
 */
function timeToFirstAnswer(args: string[], path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let asked = false;
    const stop = (outcome: () => void) => {
      child.once('exit', outcome);
      child.kill('SIGTERM');
    };
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (!url || asked) return;
      asked = true;
      get(url + path, (res) => {
        res.resume();
        res.on('end', () => {
          const ms = performance.now() - t0;
          if (res.statusCode === 200) stop(() => resolve(ms));
          else stop(() => reject(new Error(`GET ${path} answered ${res.statusCode}`)));
        });
      }).on('error', (e) => stop(() => reject(e)));
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      if (!asked) reject(new Error(`node ${args.join(' ')} exited with ${code} before it listened: ${err || out}`));
    });
  });
}

/**
 * Web mode from spawn to its first answer, the sign-in page (built out/main/serve.js, an existing
 * store), against a bare Node HTTP server answering the same way. Web mode listens before its
 * services and router have loaded (serve-main.ts); the first router call, alone on its own start,
 * shows what that load costs whoever asks first.
 */
export async function benchStartup(): Promise<void> {
  const built = 'out/main/serve.js';
  if (!existsSync(built)) throw new Error(`${built} is missing: run npx electron-vite build first.`);
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-start-'));
  try {
    const web = [built, '--port', '0', '--data-dir', join(dir, 'data')];
    const bare = ['-e', "const s = require('node:http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + s.address().port))"];
    // The first start creates the store (and, after a build, the compile cache); the timed ones open it, as every later start does.
    await timeToFirstAnswer(web, '/');
    await timeToFirstAnswer(bare, '/');
    const webMs: number[] = [];
    const bareMs: number[] = [];
    const routerMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      webMs.push(await timeToFirstAnswer(web, '/'));
      bareMs.push(await timeToFirstAnswer(bare, '/'));
      routerMs.push(await timeToFirstAnswer(web, '/trpc/auth.state'));
    }
    const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const w = mid(webMs);
    const b = mid(bareMs);
    const r = mid(routerMs);
    console.log(`\nstart-up to the first answer (median of 5, alternating)`);
    console.log(`  web mode:  ${fmt(w)} ms (node out/main/serve.js on an existing data folder, GET / = the sign-in page)`);
    console.log(`  bare node: ${fmt(b)} ms (node -e with an http server, GET /)`);
    console.log(`  ratio:     web mode takes ${(w / b).toFixed(2)}x a bare Node server (goal <= 2)`);
    console.log(`  first router answer: ${fmt(r)} ms, ${(r / b).toFixed(2)}x (its own start: GET /trpc/auth.state as soon as it listens, waiting for services and router to load)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

