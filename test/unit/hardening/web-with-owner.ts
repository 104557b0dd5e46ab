import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createWebServer } from '../../../src/main/http/web-server';
import { startRuntime, type Runtime } from '../../../src/main/runtime';
import { OWNER_EMAIL, PASSWORD } from '../helpers';

export interface WebWithOwner {
  base: string;
  /** The registered Owner's session cookie, as a browser sends it back. */
  cookie: string;
  runtime: Runtime;
  close(): Promise<void>;
}

/** Web mode's HTTP server on loopback over a fresh data folder, with the organization registered. */
export async function startWebWithOwner(prefix: string): Promise<WebWithOwner> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let base = '';
  const runtime = await startRuntime({ dataDir: dir, publicBaseUrl: () => base });
  const server = createWebServer({ runtime, rendererDir: join(dir, 'renderer'), port: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const res = await fetch(`${base}/trpc/auth.register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organizationName: 'Acme', email: OWNER_EMAIL, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return {
    base,
    cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '),
    runtime,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await runtime.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
