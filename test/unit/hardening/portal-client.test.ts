import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalHandler } from '../../../src/main/portal/routes';
import { RateLimiter } from '../../../src/main/portal/security';
import { createEnv, type TestEnv } from '../helpers';

let env: TestEnv;
const servers: Server[] = [];

beforeAll(async () => {
  env = await createEnv();
});
afterAll(async () => {
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  await env.close();
});

async function portal(trustedProxies: string[]): Promise<string> {
  const handle = createPortalHandler({ deps: env.services.deps, perClient: new RateLimiter(3, 60_000, () => env.clock.now().getTime()), trustedProxies });
  const server = createServer((req, res) => void handle(req, res));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function statuses(base: string, forwardedFor: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await fetch(`${base}/invite/${randomBytes(32).toString('base64url')}`, { headers: { 'x-forwarded-for': forwardedFor } })).status);
  return out;
}

describe('the portal’s per-client limit behind a reverse proxy (issue 16, also)', () => {
  it('behind a trusted proxy, one flooding address does not use up another invitee’s budget', async () => {
    const base = await portal(['127.0.0.1']);
    expect(await statuses(base, '203.0.113.9', 4)).toEqual([410, 410, 410, 429]);
    expect(await statuses(base, '198.51.100.7', 1)).toEqual([410]);
  });

  it('from anyone else, X-Forwarded-For is ignored', async () => {
    const base = await portal([]);
    env.clock.advance(61_000);
    expect(await statuses(base, '203.0.113.1', 3)).toEqual([410, 410, 410]);
    expect(await statuses(base, '203.0.113.2', 1)).toEqual([429]);
  });
});
