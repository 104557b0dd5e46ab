import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalServer } from '../../../src/main/portal/server';
import { createEnv, invite, PASSWORD, registerOwner, statusOf, type Caller, type TestEnv } from '../helpers';

let env: TestEnv;
let owner: Caller;
let server: Server;
let base: string;

beforeAll(async () => {
  env = await createEnv();
  owner = (await registerOwner(env)).caller;
  server = createPortalServer(env.services.deps);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await env.close();
});

/** Accepts the member's invitation through the portal's service, as the person would. */
async function activeMember(email: string): Promise<number> {
  const id = await invite(owner, email, 'Member');
  const { url } = await owner.members.copyInviteLink({ id });
  const path = new URL(url).pathname;
  const page = await fetch(base + path);
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  await fetch(`${base}${path}/accept`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, password: PASSWORD, confirm: PASSWORD }).toString() });
  expect(await statusOf(owner, id)).toBe('accepted');
  return id;
}

describe('copying a reactivation link (no mail server: the admin hands it over)', () => {
  it('a deactivated member: no link before Reactivate, then a working copy that the sent one outlives', async () => {
    const id = await activeMember('back@acme.test');
    await owner.members.deactivate({ ids: [id] });
    await expect(owner.members.copyReactivationLink({ id })).rejects.toThrow('back@acme.test has no reactivation link waiting: choose “Reactivate” first, then copy its link.');
    await owner.members.reactivate({ ids: [id] });
    const { url } = await owner.members.copyReactivationLink({ id });
    expect(url).toMatch(/\/reactivate\//);
    const page = await fetch(base + new URL(url).pathname);
    expect(page.status).toBe(200);
    const sent = [...env.mail].reverse().find((m) => m.email === 'back@acme.test' && m.kind === 'reactivation')!.url;
    expect((await fetch(base + new URL(sent).pathname)).status).toBe(200);
    const audit = await owner.audit.list({ limit: 5 });
    expect(JSON.stringify(audit)).toContain('member.copy_link');
  });

  it('no copy of a password reset link: whoever held it would set the person\'s one password', async () => {
    const id = await activeMember('forgot@acme.test');
    await owner.members.sendPasswordReset({ ids: [id] });
    const members = owner.members as unknown as Record<string, (input: { id: number }) => Promise<unknown>>;
    await expect(members.copyResetLink!({ id })).rejects.toThrow(/No procedure found/);
    const row = (await owner.members.list({ search: 'forgot@acme.test', limit: 5 })).items.find((m) => m.id === id)!;
    expect(row.actions).not.toContain('copyResetLink');
    expect(row.actions).toContain('passwordReset');
  });

  it('the row menu offers the copy to whoever may reactivate or reset', async () => {
    const id = await activeMember('menu@acme.test');
    await owner.members.deactivate({ ids: [id] });
    const row = (await owner.members.list({ search: 'menu@acme.test', limit: 5 })).items.find((m) => m.id === id)!;
    expect(row.actions).toContain('copyReactivationLink');
  });
});
