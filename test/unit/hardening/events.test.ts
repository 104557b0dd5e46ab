import { mkdtempSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWebServer } from '../../../src/main/http/web-server';
import { startRuntime, type Runtime } from '../../../src/main/runtime';
import { callers, invite, OWNER_EMAIL, PASSWORD, type Caller } from '../helpers';
import { inviteeDoor } from '../invitee-door';

let dir: string;
let runtime: Runtime;
let server: Server;
let port: number;
let owner: Caller;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roster-events-'));
  runtime = await startRuntime({ dataDir: dir, publicBaseUrl: () => `http://127.0.0.1:${port}` });
  server = createWebServer({ runtime, rendererDir: join(dir, 'renderer'), port: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  owner = callers(runtime.services)();
  await owner.auth.register({ organizationName: 'Acme', email: OWNER_EMAIL, password: PASSWORD });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
});

function raw(path: string, headers: Record<string, string> = {}): Promise<{ status: number; cacheControl: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode!, cacheControl: res.headers['cache-control'] });
    });
    req.on('error', reject);
    req.end();
  });
}

async function signIn(email: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/trpc/auth.signIn`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
  expect(res.status).toBe(200);
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

/** Opens /events; `events()` is what arrived so far, `ended` resolves when the server closes it. */
async function openStream(cookie: string) {
  const res = await fetch(`http://127.0.0.1:${port}/events`, { headers: { cookie } });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let text = '';
  const ended = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text;
      text += new TextDecoder().decode(value);
    }
  })();
  while (!text.includes(': connected')) await new Promise((r) => setTimeout(r, 10));
  return { events: () => text, ended };
}

describe('refusals are never cached (issue 16, also)', () => {
  it('401, 404 and 421 answers say Cache-Control: no-store', async () => {
    expect(await raw('/events')).toEqual({ status: 401, cacheControl: 'no-store' });
    expect(await raw('/missing.js')).toEqual({ status: 404, cacheControl: 'no-store' });
    expect(await raw('/', { host: 'evil.test' })).toEqual({ status: 421, cacheControl: 'no-store' });
  });
});

describe('the /events stream ends with the right to it (issue 16, also)', () => {
  it('signing out closes the open stream', async () => {
    const cookie = await signIn(OWNER_EMAIL);
    const stream = await openStream(cookie);
    runtime.services.events.emit('members-changed');
    await vi.waitFor(() => expect(stream.events()).toContain('event: members-changed'));
    await fetch(`http://127.0.0.1:${port}/trpc/auth.signOut`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
    await stream.ended;
  });

  it('a deactivated member’s stream is closed before it gets another event', async () => {
    const id = await invite(owner, 'admin@acme.test', 'Admin');
    await inviteeDoor({ services: runtime.services }).accept({ token: await tokenFromOutbox(), password: PASSWORD });
    const stream = await openStream(await signIn('admin@acme.test'));
    await owner.members.deactivate({ ids: [id] });
    runtime.services.events.emit('members-changed');
    const text = await stream.ended;
    expect(text).not.toContain('event: members-changed');
  });
});

/** The invitation link, read from the outbox row the notifier wrote. */
async function tokenFromOutbox(): Promise<string> {
  const row = await runtime.store.db
    .selectFrom('mail_outbox')
    .select('text_body')
    .where('recipient', '=', 'admin@acme.test')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  return /\/invite\/([A-Za-z0-9_-]{43})/.exec(row.text_body ?? '')![1]!;
}
