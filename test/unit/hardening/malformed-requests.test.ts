import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../../src/main/http/web-server';
import { startWebWithOwner, type WebWithOwner } from './web-with-owner';

let web: WebWithOwner;
let base: string;
let cookie: string;

beforeAll(async () => {
  web = await startWebWithOwner('roster-malformed-');
  ({ base, cookie } = web);
});

afterAll(() => web.close());

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
