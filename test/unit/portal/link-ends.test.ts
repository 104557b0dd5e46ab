import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalServer } from '../../../src/main/portal/server';
import { createEnv, invite, PASSWORD, registerOwner, type Caller, type TestEnv } from '../helpers';
import { Browser } from './browser';

let env: TestEnv;
let server: Server;
let base: string;
let owner: Caller;

beforeAll(async () => {
  env = await createEnv();
  owner = (await registerOwner(env, { organizationName: 'Acme <Robotics>' })).caller;
  server = createPortalServer(env.services.deps);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await env.close();
});

async function inviteLink(email: string, role = 'Member'): Promise<{ id: number; path: string }> {
  const id = await invite(owner, email, role);
  const { url } = await owner.members.copyInviteLink({ id });
  return { id, path: new URL(url).pathname };
}

/** The page a person sees on opening a link that grants nothing: its heading and its message. */
async function dead(path: string): Promise<string> {
  const page = await new Browser(base).get(path);
  expect(page.status).toBe(410);
  return page.text;
}

describe('a link that has ended says why, in words for its holder', () => {
  it('someone who declined is told they declined and how to join, not to sign in', async () => {
    const { path } = await inviteLink('declined@acme.test');
    await new Browser(base).submit(`${path}/decline`, `${path}/decline`, {});
    const text = await dead(path);
    expect(text).toContain('You declined this invitation');
    expect(text).toContain('If you want to join, ask whoever invited you to invite you again.');
    expect(text).not.toContain('sign in');
    expect(await dead(`${path}/decline`)).toContain('You declined this invitation');
  });

  it('an accepted invitation says it was used and to sign in', async () => {
    const { path } = await inviteLink('used@acme.test');
    await new Browser(base).submit(path, `${path}/accept`, { password: PASSWORD, confirm: PASSWORD });
    expect(await dead(path)).toContain('sign in with your email and password');
  });

  it('a deactivated member is told their access was turned off, a deleted one that they are no longer a member', async () => {
    const off = await inviteLink('off@acme.test');
    await new Browser(base).submit(off.path, `${off.path}/accept`, { password: PASSWORD, confirm: PASSWORD });
    await owner.members.deactivate({ ids: [off.id] });
    const offText = await dead(off.path);
    expect(offText).toContain('Your access to this organization was turned off');
    expect(offText).not.toContain('sign in');

    const gone = await inviteLink('gone@acme.test');
    await new Browser(base).submit(gone.path, `${gone.path}/accept`, { password: PASSWORD, confirm: PASSWORD });
    await owner.members.delete({ ids: [gone.id] });
    const goneText = await dead(gone.path);
    expect(goneText).toContain('You are no longer a member of this organization');
    expect(goneText).not.toContain('sign in');
  });

  it('a cancelled invitation says it was cancelled', async () => {
    const { id, path } = await inviteLink('called-off@acme.test');
    await owner.members.cancel({ ids: [id] });
    expect(await dead(path)).toContain('This invitation was cancelled by the organization.');
  });
});
