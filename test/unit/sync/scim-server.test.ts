import { afterEach, describe, expect, it } from 'vitest';
import { startScimServer, type TestScim } from '../../support/scim-server';

let scim: TestScim | null = null;
afterEach(async () => {
  await scim?.close();
  scim = null;
});

const h = (s: TestScim, token = s.token) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' });

describe('the SCIM test server', () => {
  it('checks the token, keeps userName unique without case, and patches groups', async () => {
    scim = await startScimServer();
    expect((await fetch(`${scim.baseUrl}/Users`, { headers: h(scim, 'nope') })).status).toBe(401);
    const created = await fetch(`${scim.baseUrl}/Users`, { method: 'POST', headers: h(scim), body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'Alice@x.test', active: true }) });
    expect(created.status).toBe(201);
    const alice = (await created.json()) as { id: string };
    const clash = await fetch(`${scim.baseUrl}/Users`, { method: 'POST', headers: h(scim), body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'alice@X.test' }) });
    expect(clash.status).toBe(409);
    expect(((await clash.json()) as { scimType: string }).scimType).toBe('uniqueness');
    const found = (await (await fetch(`${scim.baseUrl}/Users?filter=${encodeURIComponent('userName eq "ALICE@x.test"')}`, { headers: h(scim) })).json()) as { totalResults: number };
    expect(found.totalResults).toBe(1);
    const g = (await (await fetch(`${scim.baseUrl}/Groups`, { method: 'POST', headers: h(scim), body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Roster Admin', members: [] }) })).json()) as { id: string };
    const p = await fetch(`${scim.baseUrl}/Groups/${g.id}`, { method: 'PATCH', headers: h(scim), body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: alice.id }] }] }) });
    expect(p.status).toBeLessThan(300);
    expect(scim.groupByName('Roster Admin')!.members.map((m) => m.value)).toEqual([alice.id]);
    const r = await fetch(`${scim.baseUrl}/Groups/${g.id}`, { method: 'PATCH', headers: h(scim), body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path: `members[value eq "${alice.id}"]` }] }) });
    expect(r.status).toBeLessThan(300);
    expect(scim.groupByName('Roster Admin')!.members).toEqual([]);
    const spc = (await (await fetch(`${scim.baseUrl}/ServiceProviderConfig`, { headers: h(scim) })).json()) as { patch: { supported: boolean } };
    expect(spc.patch.supported).toBe(true);
  });

  it('injects faults with Retry-After, and goes down and up', async () => {
    scim = await startScimServer();
    scim.faults.push({ status: 429, retryAfter: 2 });
    const r = await fetch(`${scim.baseUrl}/Users`, { headers: h(scim) });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('2');
    await scim.down();
    await expect(fetch(`${scim.baseUrl}/Users`, { headers: h(scim) })).rejects.toThrow();
    await scim.up();
    expect((await fetch(`${scim.baseUrl}/Users`, { headers: h(scim) })).status).toBe(200);
    expect(scim.log.map((l) => l.status)).toEqual([429, 200]);
  });
});
