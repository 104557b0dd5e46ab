import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebServer, SESSION_COOKIE } from '../../../src/main/http/web-server';
import { startRuntime, type Runtime } from '../../../src/main/runtime';
import { OWNER_EMAIL, PASSWORD } from '../helpers';

let dir: string;
let runtime: Runtime;
let server: Server;
let base: string;
let cookie = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roster-malformed-'));
  runtime = await startRuntime({ dataDir: dir, publicBaseUrl: () => base });
  server = createWebServer({ runtime, rendererDir: join(dir, 'renderer'), port: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const res = await fetch(`${base}/trpc/auth.register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organizationName: 'Acme', email: OWNER_EMAIL, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
});

// Found by the adversarial pass of 2026-12-07: a bad percent escape reached decodeURIComponent unguarded (500).
describe('malformed escapes in a cookie or a router path (hardening pass 2026-12-07)', () => {
  it('a session cookie with a broken % escape counts as no session (signed out), not a server error', async () => {
    // Another application on 127.0.0.1 can set cookies for this host: it must not break every call.
    const res = await fetch(`${base}/trpc/auth.state`, { headers: { cookie: `${SESSION_COOKIE}=%E0%A4%A` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: { me: unknown } } };
    expect(body.result.data.me).toBeNull();
    // The admin's real session, sent beside it, still works.
    const mine = await fetch(`${base}/trpc/auth.state`, { headers: { cookie } });
    expect(((await mine.json()) as { result: { data: { me: unknown } } }).result.data.me).not.toBeNull();
  });

  it('a router path with a broken % escape is refused as a bad request (400), not a server error', async () => {
    for (const path of ['/trpc/%E0', '/trpc/members.preview%E0']) {
      const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', cookie, origin: base }, body: '{}' });
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Invalid URL-encoding in path/);
    }
  });
});
