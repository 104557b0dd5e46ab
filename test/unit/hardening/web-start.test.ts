import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A real web-mode process (needs `npx electron-vite build` first). It listens before its services
 * and router have loaded (issue 17, start-up): what a browser asks first must still get its real
 * answers, the sign-in page at once and the first calls once the rest is there.
 */
const SERVE = resolve(__dirname, '../../../out/main/serve.js');

let dir: string;

beforeAll(() => {
  if (!existsSync(SERVE)) throw new Error('Build web mode first: npx electron-vite build');
  dir = mkdtempSync(join(tmpdir(), 'roster-start-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startServe(): Promise<{ base: string; output: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [SERVE, '--port', '0', '--data-dir', join(dir, 'data')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production', ROSTER_DATABASE_URL: '' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  while (!/Roster listening on (\S+)/.test(out)) {
    if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    base: /Roster listening on (\S+)/.exec(out)![1]!,
    output: () => out,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('web mode’s first requests, the moment it listens', () => {
  it('answers the router and the invitee pages the moment it says it listens, and says where the directory is', async () => {
    for (let start = 0; start < 2; start++) {
      // The first start creates the store; the second opens it, as every later start does.
      const s = await startServe();
      const [state, health, invite] = await Promise.all([fetch(`${s.base}/trpc/auth.state`), fetch(`${s.base}/healthz`), fetch(`${s.base}/invite/not-a-token`)]);
      expect(state.status).toBe(200);
      expect(((await state.json()) as { result: { data: unknown } }).result.data).toBeTruthy();
      expect(await health.text()).toBe('ok');
      // The invitee page's own answer (an unknown link), not the console's page.
      expect(await invite.text()).not.toContain('csp-nonce');
      expect(s.output()).toContain('Directory: this computer only (SQLite in the data folder)');
      expect(await s.stop()).toBe(0);
    }
  });

  it('stops cleanly when told to before anything asked for the rest', async () => {
    const s = await startServe();
    expect(await s.stop()).toBe(0);
    expect(s.output()).not.toContain('could not start');
  });
});
