import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT } from '../../../src/main/http/web-server';
import { startWebWithOwner, type WebWithOwner } from './web-with-owner';

let web: WebWithOwner;
let base: string;
let cookie: string;

beforeAll(async () => {
  web = await startWebWithOwner('roster-bodies-');
  ({ base, cookie } = web);
});

afterAll(() => web.close());

function post(path: string, body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, duplex: 'half' } as RequestInit);
}

/** A body sent in chunks without a declared length, as a client that hides its size would. */
function chunked(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
  return new ReadableStream({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode('{"email":"'));
      if (sent >= bytes) return controller.close();
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

async function messageOf(res: Response): Promise<string> {
  const json = (await res.json()) as { error?: { message?: string } };
  return json.error?.message ?? '';
}

describe('bounded request bodies (issue 16, item 5)', () => {
  it('a sign-in body over 1 MB is refused with 413 and a clear message, declared or not', async () => {
    const declared = await post('/trpc/auth.signIn', JSON.stringify({ email: 'x'.repeat(BODY_LIMIT + 10), password: 'p' }));
    expect(declared.status).toBe(413);
    expect(await messageOf(declared)).toContain('larger than Roster accepts');
    const streamed = await post('/trpc/auth.signIn', chunked(4 * BODY_LIMIT)).catch((e: unknown) => e as Error);
    // Either the 413 answer arrives, or the server cut the upload short: never a 500, never the whole body read.
    if (streamed instanceof Response) {
      expect(streamed.status).toBe(413);
      expect(await messageOf(streamed)).toContain('larger than Roster accepts');
    } else expect(streamed).toBeInstanceOf(Error);
    // The server still answers.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('the invite batch of 200,000 addresses still fits for a signed-in admin, and only for one', async () => {
    const entries = Array.from({ length: 200_000 }, (_, i) => ({ email: `firstname.lastname${i}@example-company.test`, name: `Firstname Lastname ${i}` }));
    // One entry at the end over the router's bound (an address merely over 320 characters is skipped per entry, not
    // refused): the whole body is read and validated, nothing is written.
    entries[entries.length - 1] = { email: `${'a'.repeat(3300)}@x.test`, name: 'Too long' };
    const body = JSON.stringify({ entries });
    expect(body.length).toBeGreaterThan(10 * BODY_LIMIT);
    const signedIn = await post('/trpc/members.preview', body, { cookie });
    expect(signedIn.status).toBe(400);
    expect(await messageOf(signedIn)).toMatch(/^entries\.199999\.email/);
    const anonymous = await post('/trpc/members.preview', body);
    expect(anonymous.status).toBe(413);
  });

  it('a portal form over 16 KB answers 413 with a page that says so, not 500', async () => {
    const token = randomBytes(32).toString('base64url');
    const res = await fetch(`${base}/invite/${token}/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `password=${'a'.repeat(20 * 1024)}`,
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('This form is too large');
  });
});
