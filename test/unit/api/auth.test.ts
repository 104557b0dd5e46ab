import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, createEnv, inviteAndAccept, OWNER_EMAIL, PASSWORD, registerOwner, type Caller, type TestEnv } from '../helpers';

describe('auth', () => {
  let env: TestEnv;
  let owner: Caller;

  beforeAll(async () => {
    env = await createEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it('before registration, nobody is signed in and registration is offered', async () => {
    const state = await env.caller().auth.state();
    expect(state.registered).toBe(false);
    expect(state.me).toBeNull();
  });

  it('registration makes the first person Owner of the organization and signs them in', async () => {
    owner = (await registerOwner(env, { organizationName: 'Acme' })).caller;
    const state = await owner.auth.state();
    expect(state.registered).toBe(true);
    expect(state.me?.email).toBe(OWNER_EMAIL);
    expect(state.me?.organization.name).toBe('Acme');
    expect(state.me?.permissions).toContain('organization.delete');
    expect(state.me?.permissions).toContain('members.invite');
    const list = await owner.members.list({});
    expect(list.items.map((m) => [m.email, m.status, m.roles.map((r) => r.name)])).toEqual([[OWNER_EMAIL, 'accepted', ['Owner']]]);
  });

  it('an install that has an Owner refuses a second anonymous registration', async () => {
    const err = await caught(env.caller().auth.register({ organizationName: 'Other', email: 'intruder@other.test', password: PASSWORD }));
    expect(err.code).toBe('CONFLICT');
    expect(err.domainCode).toBe('ALREADY_REGISTERED');
    expect(err.message).toMatch(/already has an Owner/);
    expect((await owner.members.list({})).items).toHaveLength(1);
  });

  it('a wrong password and an unknown address get the same clear message', async () => {
    const wrong = await caught(env.caller().auth.signIn({ email: OWNER_EMAIL, password: 'not the right password' }));
    const unknown = await caught(env.caller().auth.signIn({ email: 'nobody@acme.test', password: PASSWORD }));
    expect(wrong.code).toBe('UNAUTHORIZED');
    expect(wrong.domainCode).toBe('INVALID_CREDENTIALS');
    expect(wrong.message).toBe('The email or password is wrong.');
    expect(unknown).toEqual(wrong);
  });

  it('signs in case-insensitively with the right password', async () => {
    const c = env.caller();
    await c.auth.signIn({ email: '  OWNER@Acme.test ', password: PASSWORD });
    expect((await c.auth.state()).me?.email).toBe(OWNER_EMAIL);
  });

  // Changed by issue 16 (item 7): a progressive delay, no longer a 15-minute lock of the right password.
  it('five failures for an address slow it down for seconds, then the right password works', async () => {
    for (let i = 0; i < 5; i++) expect((await caught(env.caller().auth.signIn({ email: OWNER_EMAIL, password: `wrong password ${i}` }))).domainCode).toBe('INVALID_CREDENTIALS');
    const err = await caught(env.caller().auth.signIn({ email: OWNER_EMAIL, password: PASSWORD }));
    expect(err.code).toBe('TOO_MANY_REQUESTS');
    expect(err.domainCode).toBe('RATE_LIMITED');
    expect(err.message).toMatch(/^Too many attempts: wait \d seconds?/);
    env.clock.advance(5_000);
    const c = env.caller();
    await c.auth.signIn({ email: OWNER_EMAIL, password: PASSWORD });
    expect((await c.auth.state()).me?.email).toBe(OWNER_EMAIL);
  });

  it('anonymous callers are refused by every signed-in procedure', async () => {
    const anon = env.caller();
    for (const call of [() => anon.members.list({}), () => anon.members.counts(), () => anon.roles.list(), () => anon.organizations.settings(), () => anon.audit.list({})]) {
      const err = await caught(call());
      expect(err.code).toBe('UNAUTHORIZED');
      expect(err.domainCode).toBe('NOT_SIGNED_IN');
    }
  });

  it('signing out ends the session', async () => {
    const c = env.caller();
    await c.auth.signIn({ email: OWNER_EMAIL, password: PASSWORD });
    await c.members.list({});
    await c.auth.signOut();
    expect((await c.auth.state()).me).toBeNull();
    const err = await caught(c.members.list({}));
    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.domainCode).toBe('NOT_SIGNED_IN');
    // Another browser's session is untouched.
    await owner.members.counts();
  });

  it('a Member-role person can accept the invitation but cannot sign in to the console', async () => {
    await inviteAndAccept(env, owner, 'worker@acme.test', 'Member');
    const err = await caught(env.caller().auth.signIn({ email: 'worker@acme.test', password: PASSWORD }));
    expect(err.code).toBe('FORBIDDEN');
    expect(err.domainCode).toBe('NO_CONSOLE_ACCESS');
    expect(err.message).toMatch(/no access to the admin console/);
  });

  it('the console locks after the idle time (15 minutes by default)', async () => {
    expect((await owner.organizations.settings()).idleLockMinutes).toBe(15);
    env.clock.advance(14 * 60 * 1000);
    await owner.members.counts(); // activity keeps the session alive
    env.clock.advance(14 * 60 * 1000);
    await owner.members.counts();
    env.clock.advance(15 * 60 * 1000 + 1);
    const err = await caught(owner.members.counts());
    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.domainCode).toBe('NOT_SIGNED_IN');
    expect((await owner.auth.state()).me).toBeNull();
  });
});
