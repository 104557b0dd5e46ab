import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, createEnv, OWNER_EMAIL, PASSWORD, registerOwner, type TestEnv } from '../helpers';

/** PRODUCT.md: a person in several organizations signs in once and picks the organization. */
describe('sign-in with several organizations', () => {
  let env: TestEnv;
  let second: number;

  beforeAll(async () => {
    env = await createEnv();
    const { caller } = await registerOwner(env);
    second = (await caller.organizations.create({ name: 'Globex' })).id;
  });
  afterAll(async () => {
    await env.close();
  });

  it('after the password, lists the organizations and opens no session until one is chosen', async () => {
    const c = env.caller();
    const r = await c.auth.signIn({ email: OWNER_EMAIL, password: PASSWORD });
    expect(r.ok).toBe(false);
    expect(r.organizations.map((o) => o.name)).toEqual(['Acme', 'Globex']);
    expect((await c.auth.state()).me).toBeNull();
    expect((await c.auth.signIn({ email: OWNER_EMAIL, password: PASSWORD, organizationId: second })).ok).toBe(true);
    expect((await c.auth.state()).me?.organization.name).toBe('Globex');
  });

  it('a wrong password says nothing of the organizations', async () => {
    const err = await caught(env.caller().auth.signIn({ email: OWNER_EMAIL, password: 'not the right one' }));
    expect(err.domainCode).toBe('INVALID_CREDENTIALS');
  });
});
