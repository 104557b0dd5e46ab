import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../../src/main/data-lock';

/** Real web-mode processes on one data folder (needs `npx electron-vite build` first). */
const SERVE = resolve(__dirname, '../../../out/main/serve.js');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function serve(dataDir: string): Started {
  const child = spawn(process.execPath, [SERVE, '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function listening(s: Started): Promise<void> {
  while (!/Roster listening on/.test(s.output())) {
    if (s.child.exitCode !== null) throw new Error(`server exited: ${s.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let dir: string;
const started: Started[] = [];

beforeAll(() => {
  if (!existsSync(SERVE)) throw new Error('Build web mode first: npx electron-vite build');
  dir = mkdtempSync(join(tmpdir(), 'roster-lock-'));
});

afterAll(async () => {
  for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('one process per data folder (issue 16, item 4)', () => {
  it('a second web-mode server on the same folder says who holds it and exits non-zero', async () => {
    const first = serve(dir);
    started.push(first);
    await listening(first);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(first.child.pid));
    const second = serve(dir);
    started.push(second);
    const code = await second.exited;
    expect(code).not.toBe(0);
    expect(second.output()).toContain(`Roster is already running on this folder (pid ${first.child.pid})`);
    // The first one is untouched and still answers.
    const port = /127\.0\.0\.1:(\d+)/.exec(first.output())![1];
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('a lock left by a killed process is taken over', async () => {
    const first = serve(dir);
    started.push(first);
    await listening(first);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    const next = serve(dir);
    started.push(next);
    await listening(next);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(next.child.pid));
    next.child.kill('SIGTERM');
    await next.exited;
  });

  it('a lock naming a pid that no longer exists does not stop a start', async () => {
    writeFileSync(join(dir, LOCK_FILE), '999999999\n');
    const s = serve(dir);
    started.push(s);
    await listening(s);
    s.child.kill('SIGTERM');
    await s.exited;
  });
});
