import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWebShell, type WebApp } from '../../../src/main/http/web-shell';

/**
 * Web mode answers the sign-in page before its application (services, router, invitee pages) has
 * loaded (issue 17, start-up): the page and the renderer's files answer at once; every other
 * request waits for the application and gets its answer, never a stand-in.
 */
let dir: string;
let renderer: string;
let close: (() => Promise<void>) | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roster-shell-'));
  renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Roster</title>');
  writeFileSync(join(renderer, 'assets', 'index.js'), 'console.log(1)');
});

afterEach(async () => {
  await close?.();
  close = null;
  rmSync(dir, { recursive: true, force: true });
});

/** A shell whose application loads only when the test says so. */
async function start(): Promise<{ base: string; loads: () => number; finishLoading: () => void; answered: () => number }> {
  let loads = 0;
  let answered = 0;
  let finish!: () => void;
  const loaded = new Promise<void>((r) => (finish = r));
  const app: WebApp = async (req, res, url) => {
    if (url.pathname.startsWith('/trpc/') || url.pathname.startsWith('/invite/')) {
      res.setHeader('Content-Type', 'text/plain');
      res.end(`app answered ${url.pathname}`);
      return true;
    }
    return false;
  };
  const server = createWebShell({
    rendererDir: renderer,
    port: 0,
    app: async () => {
      loads++;
      await loaded;
      return app;
    },
    onFirstAnswer: () => answered++,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  close = () => new Promise<void>((r) => server.close(() => r()));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, loads: () => loads, finishLoading: finish, answered: () => answered };
}

describe('web mode before its application has loaded', () => {
  it('answers the sign-in page and the renderer’s files at once, without loading the application', async () => {
    const s = await start();
    const page = await fetch(s.base + '/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Roster</title>');
    expect(page.headers.get('content-security-policy')).toContain("style-src 'self' 'nonce-");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const script = await fetch(s.base + '/assets/index.js');
    expect(script.status).toBe(200);
    expect(s.loads()).toBe(0);
    expect(s.answered()).toBe(1);
  });

  it('makes the router, the invitee pages, /healthz and the console’s routes wait for the application, then answers them', async () => {
    const s = await start();
    const waiting = [fetch(s.base + '/trpc/auth.me'), fetch(s.base + '/invite/abc'), fetch(s.base + '/healthz'), fetch(s.base + '/members')];
    let settled = 0;
    for (const w of waiting) void w.then(() => settled++);
    // The first of them starts loading the application; none is answered before it is loaded.
    await vi.waitFor(() => expect(s.loads()).toBe(1));
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(0);
    expect(s.loads()).toBe(1);
    s.finishLoading();
    const [trpc, invite, health, route] = await Promise.all(waiting);
    expect(await trpc!.text()).toBe('app answered /trpc/auth.me');
    expect(await invite!.text()).toBe('app answered /invite/abc');
    expect(await health!.text()).toBe('ok');
    // Not the application's: the console's page, for its own router.
    expect(await route!.text()).toContain('<title>Roster</title>');
    expect(s.loads()).toBe(1);
  });

  it('still refuses an unknown Host before anything else', async () => {
    const s = await start();
    // fetch cannot set Host: a raw request does.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request(s.base + '/', { headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(421);
    expect(s.loads()).toBe(0);
  });
});
