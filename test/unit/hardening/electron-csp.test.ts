import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NONCE_PLACEHOLDER, contentSecurityPolicy } from '../../../src/main/http/csp';
import { createWebServer } from '../../../src/main/http/web-server';
import { startRuntime, type Runtime } from '../../../src/main/runtime';

/**
 * Styles without 'unsafe-inline' (issue 16, Electron/CSP): the console page gets a fresh nonce on every
 * load, the same in its header and its HTML; test/e2e/csp.spec.ts shows a real browser applies the
 * styles with no violation.
 */
let dir: string;
let runtime: Runtime;
let server: Server;
let base: string;

const PAGE = `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="style-src 'self' 'nonce-${NONCE_PLACEHOLDER}'"><meta property="csp-nonce" nonce="${NONCE_PLACEHOLDER}"></head><body></body></html>`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roster-csp-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), PAGE);
  writeFileSync(join(renderer, 'assets', 'index.css'), 'body{}');
  runtime = await startRuntime({ dataDir: join(dir, 'data'), publicBaseUrl: () => base });
  server = createWebServer({ runtime, rendererDir: renderer, port: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function load(path: string): Promise<{ csp: string; nonce: string | null; body: string; cache: string | null }> {
  const res = await fetch(base + path);
  expect(res.status).toBe(200);
  const csp = res.headers.get('content-security-policy') ?? '';
  return { csp, nonce: /'nonce-([^']+)'/.exec(csp)?.[1] ?? null, body: await res.text(), cache: res.headers.get('cache-control') };
}

describe('the console page’s Content-Security-Policy', () => {
  it('styles by nonce, never unsafe-inline; the header’s nonce is the one in the page', async () => {
    const page = await load('/');
    expect(page.csp).toContain("style-src 'self' 'nonce-");
    expect(page.csp).not.toContain('unsafe-inline');
    expect(page.csp).toContain("script-src 'self';");
    expect(page.nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(page.body).toContain(`<meta property="csp-nonce" nonce="${page.nonce}">`);
    expect(page.body).toContain(`'nonce-${page.nonce}'`);
    expect(page.body).not.toContain(NONCE_PLACEHOLDER);
    expect(page.cache).toBe('no-store');
  });

  it('a new nonce on every load, for every route of the single page', async () => {
    const nonces = new Set<string | null>();
    for (const path of ['/', '/', '/index.html', '/members']) nonces.add((await load(path)).nonce);
    expect(nonces.size).toBe(4);
    expect(nonces.has(null)).toBe(false);
  });

  it('other answers carry the policy without a nonce (nothing inline allowed at all)', async () => {
    const asset = await load('/assets/index.css');
    expect(asset.csp).toBe(contentSecurityPolicy(null));
    expect(asset.csp).toContain("style-src 'self';");
    expect(asset.cache).toContain('immutable');
  });
});

describe('the renderer’s index.html', () => {
  const html = readFileSync(resolve(__dirname, '../../../src/renderer/index.html'), 'utf8');
  it('its meta policy allows styles by the nonce placeholder only, and carries the nonce for Mantine', () => {
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(meta).toContain(`style-src 'self' 'nonce-${NONCE_PLACEHOLDER}'`);
    expect(meta).not.toContain('unsafe-inline');
    expect(meta).toContain("script-src 'self'");
    expect(html).toContain(`<meta property="csp-nonce" nonce="${NONCE_PLACEHOLDER}" />`);
  });
});
