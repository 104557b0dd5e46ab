/**
 * The audit log's date filters (the adversarial pass of 2026-12-07, second): instants are stored as
 * ISO text with milliseconds and compared as text, so a bound written without milliseconds
 * ("…T10:00:00Z", which the router accepts) sorted after every row of that second.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, createEnv, registerOwner, type Caller, type TestEnv } from '../helpers';

describe('audit: date bounds', () => {
  let env: TestEnv;
  let owner: Caller;
  let at: Date;

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    env.clock.advance(60_000);
    env.clock.freeze();
    at = env.clock.now();
    await owner.roles.create({ name: 'Probe', permissions: ['members.view'] });
  });
  afterAll(async () => {
    await env.close();
  });

  const second = () => at.toISOString().slice(0, 19);
  const next = () => new Date(Math.floor(at.getTime() / 1000) * 1000 + 1000).toISOString().slice(0, 19);
  const rows = async (f: { from?: string; to?: string }) => (await owner.audit.list({ action: 'role.create', ...f })).length;

  it('a bound without milliseconds means the start of that second, on both sides', async () => {
    expect(await rows({ from: `${second()}Z` })).toBe(1);
    expect(await rows({ to: `${second()}Z` })).toBe(0);
    expect(await rows({ from: `${second()}Z`, to: `${next()}Z` })).toBe(1);
    expect(await rows({ from: `${next()}Z` })).toBe(0);
  });

  it('a bound with a fraction of any length compares as the instant it names', async () => {
    const ms = at.getTime() % 1000;
    expect(await rows({ from: `${second()}.${String(ms).padStart(3, '0')}Z` })).toBe(1);
    expect(await rows({ from: `${second()}.${String(ms).padStart(3, '0')}1Z` })).toBe(0);
    expect(await rows({ to: `${second()}.${String(ms).padStart(3, '0')}1Z` })).toBe(1);
  });

  it('an impossible date is refused, naming the field', async () => {
    const e = await caught(owner.audit.list({ from: '2026-02-31T00:00:00Z' }));
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.field).toBe('from');
  });
});
