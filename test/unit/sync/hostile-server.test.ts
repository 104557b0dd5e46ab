/**
 * What a hostile or broken SCIM server answers (the adversarial pass of 2026-12-07, second): a
 * server that ignores the filter, an endless or oversized body, an HTML sign-in page with 200, a
 * redirect to another host, a megabyte of "detail", a Retry-After of centuries, pages that never end.
 * Each is a raw node:http server on loopback, so the answers can be anything.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ScimClient } from '../../../src/main/sync/client';
import { retryAfterMs } from '../../../src/main/sync/plan';
import { inviteAndAccept } from '../helpers';
import { syncEnv } from './env';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
}

interface Hostile {
  baseUrl: string;
  seen: Seen[];
  close(): Promise<void>;
}

const servers: Hostile[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function hostile(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Hostile> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      answer(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const h: Hostile = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  servers.push(h);
  return h;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/scim+json' });
  res.end(JSON.stringify(body));
};
const CONFIG = { patch: { supported: true }, filter: { supported: true }, bulk: { supported: false }, etag: { supported: false } };

describe('sync: a hostile or broken SCIM server', () => {
  it('a server that ignores the filter (answers every user) does not get an unrelated user overwritten', async () => {
    const e = await syncEnv();
    await inviteAndAccept(e, e.owner, 'alice@example.org');
    let next = 0;
    const s = await hostile((req, res) => {
      const path = req.url!.replace('/scim/v2', '');
      if (path === '/ServiceProviderConfig') return json(res, 200, { ...CONFIG, filter: { supported: false } });
      // The filter is ignored: the first user of the directory comes back for every lookup.
      if (req.method === 'GET' && path.startsWith('/Users')) return json(res, 200, { totalResults: 1, Resources: [{ id: 'bob-id', userName: 'bob@elsewhere.test', active: true }] });
      if (req.method === 'GET' && path.startsWith('/Groups')) return json(res, 200, { totalResults: 0, Resources: [] });
      if (req.method === 'POST') return json(res, 201, { id: `new-${++next}` });
      res.writeHead(204).end();
    });
    await e.owner.sync.saveSettings({ baseUrl: s.baseUrl, token: 'tok' });
    await e.owner.sync.pushNow();
    const onBob = s.seen.filter((r) => r.url.includes('/bob-id'));
    expect(onBob).toEqual([]);
    expect(s.seen.filter((r) => r.method === 'POST' && r.url.endsWith('/Users')).length).toBeGreaterThanOrEqual(2);
  });

  it('an endless answer is cut at the size limit, not buffered until the timeout', async () => {
    const s = await hostile((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/scim+json' });
      const chunk = Buffer.alloc(1 << 20, 0x20);
      const pump = () => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      res.on('error', () => undefined);
      pump();
    });
    const client = new ScimClient(s.baseUrl, 'tok', { timeoutMs: 20_000 });
    const started = Date.now();
    await expect(client.capabilities()).rejects.toMatchObject({ kind: 'server', detail: expect.stringMatching(/larger than 32 MB/) });
    expect(Date.now() - started).toBeLessThan(15_000);
    client.close();
  }, 30_000);

  it('a declared Content-Length over the limit is refused before reading', async () => {
    const s = await hostile((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/scim+json', 'Content-Length': String(2 ** 40) });
      res.write('{');
    });
    const client = new ScimClient(s.baseUrl, 'tok', { timeoutMs: 5_000 });
    await expect(client.capabilities()).rejects.toMatchObject({ kind: 'server', detail: expect.stringMatching(/larger than 32 MB/) });
    client.close();
  });

  it('an HTML page answered with 200 (a sign-in page, the wrong base URL) is not taken for success', async () => {
    const e = await syncEnv();
    await inviteAndAccept(e, e.owner, 'alice@example.org');
    const s = await hostile((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><html><body><form>Sign in</form></body></html>');
    });
    await e.owner.sync.saveSettings({ baseUrl: s.baseUrl, token: 'tok' });
    const report = await e.owner.sync.testConnection();
    expect(report.ok).toBe(false);
    expect(report.detail).toMatch(/text\/html.*not SCIM JSON.*base URL/);
    await e.owner.sync.pushNow();
    const objects = await e.owner.sync.objects({});
    expect(objects.filter((o) => o.state === 'synced')).toEqual([]);
  });

  it('a redirect to another host is not followed, the token stays home, and the answer says so', async () => {
    const elsewhere = await hostile((_req, res) => json(res, 200, CONFIG));
    const s = await hostile((_req, res) => {
      res.writeHead(302, { Location: `${elsewhere.baseUrl.replace('127.0.0.1', 'localhost')}/ServiceProviderConfig` });
      res.end();
    });
    const e = await syncEnv();
    await e.owner.sync.saveSettings({ baseUrl: s.baseUrl, token: 'secret-token' });
    const report = await e.owner.sync.testConnection();
    expect(report.ok).toBe(false);
    expect(report.detail).toMatch(/302.*redirect.*localhost.*does not follow/);
    expect(elsewhere.seen).toEqual([]);
  });

  it('a megabyte of detail in an error is stored cut to 500 characters', async () => {
    const e = await syncEnv();
    await inviteAndAccept(e, e.owner, 'alice@example.org');
    const s = await hostile((req, res) => {
      const path = req.url!.replace('/scim/v2', '');
      if (path === '/ServiceProviderConfig') return json(res, 200, CONFIG);
      if (req.method === 'GET') return json(res, 200, { totalResults: 0, Resources: [] });
      json(res, 400, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], scimType: 'x'.repeat(100_000), detail: 'y'.repeat(1 << 20), status: '400' });
    });
    await e.owner.sync.saveSettings({ baseUrl: s.baseUrl, token: 'tok' });
    await e.owner.sync.pushNow();
    const failed = (await e.owner.sync.objects({})).filter((o) => o.state === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const o of failed) {
      expect(o.detail!.length).toBeLessThanOrEqual(500);
      expect((o.scimType ?? '').length).toBeLessThanOrEqual(100);
    }
  });

  it('a Retry-After of centuries waits at most an hour and does not break the push', async () => {
    const now = new Date('2026-12-07T00:00:00Z');
    expect(retryAfterMs('99999999999999', now)).toBe(3_600_000);
    expect(retryAfterMs('Fri, 31 Dec 9999 23:59:59 GMT', now)).toBe(3_600_000);
    const e = await syncEnv();
    await inviteAndAccept(e, e.owner, 'alice@example.org');
    const s = await hostile((req, res) => {
      if (req.url!.endsWith('/ServiceProviderConfig')) return json(res, 200, CONFIG);
      res.writeHead(429, { 'Retry-After': '99999999999999' });
      res.end();
    });
    await e.owner.sync.saveSettings({ baseUrl: s.baseUrl, token: 'tok' });
    const r = await e.owner.sync.pushNow();
    expect(r.outcome).toBe('throttled');
  });

  it('pages that never end (startIndex ignored) stop the listing instead of looping', async () => {
    const s = await hostile((_req, res) => {
      const Resources = Array.from({ length: 100 }, (_, i) => ({ id: `u${i}`, userName: `u${i}@x.test` }));
      json(res, 200, { totalResults: 1_000_000_000, Resources });
    });
    const client = new ScimClient(s.baseUrl, 'tok', { maxInFlight: 1 });
    const users = await client.list('Users');
    expect(users).toHaveLength(100);
    expect(s.seen.length).toBeLessThanOrEqual(2);
    client.close();
  });

  it('Resources that is not a list is read as no resources', async () => {
    const s = await hostile((_req, res) => json(res, 200, { totalResults: 1, Resources: 'nope' }));
    const client = new ScimClient(s.baseUrl, 'tok', { maxInFlight: 1 });
    expect(await client.findOne('Users', 'userName', 'a@x.test')).toBeNull();
    expect(await client.list('Users')).toEqual([]);
    client.close();
  });

  it('the body of an error that is not a SCIM error is not read back (another service the address reaches)', async () => {
    const s = await hostile((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('internal: db password=hunter2');
    });
    const e = await syncEnv();
    await e.owner.sync.saveSettings({ baseUrl: s.baseUrl, token: 'tok' });
    const report = await e.owner.sync.testConnection();
    expect(report).toMatchObject({ ok: false, status: 500 });
    expect(report.detail).toBe('The SCIM server answered 500 Internal Server Error (text/plain, not a SCIM error).');
  });

  it('a JSON error that is not a SCIM error (no SCIM error schema) does not have its detail read back', async () => {
    const s = await hostile((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ detail: 'internal: db password=hunter2', scimType: 'leaked' }));
    });
    const e = await syncEnv();
    await e.owner.sync.saveSettings({ baseUrl: s.baseUrl, token: 'tok' });
    const report = await e.owner.sync.testConnection();
    expect(report).toMatchObject({ ok: false, status: 500 });
    expect(report.detail).toBe('The SCIM server answered 500 Internal Server Error (application/json, not a SCIM error).');
  });

  it('a DELETE answered 200 in plain text has deleted: not a failure', async () => {
    const s = await hostile((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('OK');
    });
    const client = new ScimClient(s.baseUrl, 'tok', { maxInFlight: 1 });
    expect(await client.request('DELETE', '/Users/u1')).toEqual({ status: 200, body: null });
    await expect(client.request('GET', '/Users/u1')).rejects.toMatchObject({ kind: 'server', detail: expect.stringMatching(/text\/plain that is not SCIM JSON/) });
    client.close();
  });

  it('a server that keeps answering full pages of new ids is read no further than the listing limit', async () => {
    let n = 0;
    const s = await hostile((_req, res) => {
      const Resources = Array.from({ length: 100 }, () => ({ id: `u${n}`, userName: `u${n++}@x.test` }));
      json(res, 200, { totalResults: 1_000_000_000, Resources });
    });
    const client = new ScimClient(s.baseUrl, 'tok', { maxInFlight: 1 });
    await expect(client.list('Users', 100, 300)).rejects.toMatchObject({ kind: 'server', detail: 'The SCIM server lists more than 300 users, more than Roster compares.' });
    expect(s.seen).toHaveLength(3);
    client.close();
  });
});
