import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordProblem } from '../../../src/main/core/passwords';
import { caught, createEnv, inviteAndAccept, PASSWORD, type Caller, type TestEnv } from '../helpers';

describe('messages say what really happened', () => {
  let env: TestEnv;
  let owner: Caller;

  beforeAll(async () => {
    env = await createEnv();
    owner = env.caller();
    await owner.auth.register({ organizationName: 'Acme', name: 'Olivia Owner', email: 'olivia@acme.test', password: PASSWORD });
  });
  afterAll(async () => {
    await env.close();
  });

  it('a deactivated person signing in is told they are deactivated, and where', async () => {
    const id = await inviteAndAccept(env, owner, 'dana@acme.test', 'Admin');
    await owner.members.deactivate({ ids: [id] });
    const e = await caught(env.caller().auth.signIn({ email: 'dana@acme.test', password: PASSWORD }));
    expect(e.domainCode).toBe('NO_CONSOLE_ACCESS');
    expect(e.message).toBe('Your account is deactivated in Acme: ask an admin there to reactivate you.');
  });

  it('the password rule names the part of the address it is about', () => {
    expect(passwordProblem('xq-alice-plenty-long', 'alice@acme.com')).toBe('The password must not contain the part of your email address before the @ (“alice”).');
  });

  it('a new organization keeps the Owner’s name', async () => {
    const org = await owner.organizations.create({ name: 'Beta' });
    const c = env.caller();
    await c.auth.signIn({ email: 'olivia@acme.test', password: PASSWORD, organizationId: org.id });
    const state = await c.auth.state();
    expect(state.me?.organization.name).toBe('Beta');
    expect(state.me?.name).toBe('Olivia Owner');
  });
});
