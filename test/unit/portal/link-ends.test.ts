import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalServer } from '../../../src/main/portal/server';
import { createEnv, invite, PASSWORD, registerOwner, type Caller, type TestEnv } from '../helpers';

/** A tiny browser: keeps cookies, reads the CSRF field, posts forms. */
class Browser {
  private cookies = new Map<string, string>();
  constructor(private readonly base: string) {}
  private remember(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      this.cookies.set(k!, v.join('='));
    }
  }
  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async get(path: string): Promise<{ status: number; text: string; res: Response }> {
    const res = await fetch(this.base + path, { headers: { cookie: this.cookieHeader() }, redirect: 'manual' });
    this.remember(res);
    return { status: res.status, text: await res.text(), res };
  }
  async post(path: string, form: Record<string, string>): Promise<{ status: number; text: string }> {
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    this.remember(res);
    return { status: res.status, text: await res.text() };
  }
  /** Opens a page and submits its form with these fields (plus the page's CSRF value). */
  async submit(path: string, action: string, fields: Record<string, string>): Promise<{ status: number; text: string }> {
    const page = await this.get(path);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
    if (!csrf) throw new Error(`no form on ${path}: ${page.status} ${page.text.slice(0, 300)}`);
    return this.post(action, { csrf, ...fields });
  }
}

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
