import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caught, createEnv, invite, inviteAndAccept, registerOwner, signedIn, type Caller, type TestEnv } from '../helpers';

/** Team mode: two admins edit one member from copies read at the same moment. */
describe('no lost update: a save from a stale copy is refused', () => {
  let env: TestEnv;
  let owner: Caller;
  let ada: Caller;

  beforeEach(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    await inviteAndAccept(env, owner, 'ada@acme.test');
    ada = await signedIn(env, 'ada@acme.test');
  });
  afterEach(async () => env.close());

  async function row(caller: Caller, email: string) {
    const found = (await caller.members.list({ limit: 100 })).items.find((m) => m.email === email);
    if (!found) throw new Error(`${email} is not listed`);
    return found;
  }

  it('the second save names who changed the member and when, and the first save stays', async () => {
    const id = await invite(owner, 'tim@acme.test');
    const ownersCopy = await row(owner, 'tim@acme.test');
    const adasCopy = await row(ada, 'tim@acme.test');
    expect(adasCopy.version).toBe(ownersCopy.version);

    await owner.members.edit({ id, name: 'Tim Owner-Edit', version: ownersCopy.version });
    const refused = await caught(ada.members.edit({ id, name: 'Tim Ada-Edit', version: adasCopy.version }));
    expect(refused.code).toBe('CONFLICT');
    expect(refused.domainCode).toBe('STALE');
    expect(refused.message).toMatch(/^Changed by owner@acme\.test at \d{4}-\d\d-\d\d \d\d:\d\d UTC: reload to see it\.$/);

    const now = await row(ada, 'tim@acme.test');
    expect(now.name).toBe('Tim Owner-Edit');
    // After a reload the same edit goes through.
    await ada.members.edit({ id, name: 'Tim Ada-Edit', version: now.version });
    expect((await row(owner, 'tim@acme.test')).name).toBe('Tim Ada-Edit');
  });

  it('any change to the member (not only an edit) makes older copies stale', async () => {
    const id = await invite(owner, 'tom@acme.test');
    const copy = await row(ada, 'tom@acme.test');
    await owner.members.resend({ ids: [id] });
    const refused = await caught(ada.members.edit({ id, name: 'Tom', version: copy.version }));
    expect(refused.domainCode).toBe('STALE');
  });

  it('two saves racing from the same copy: exactly one is applied', async () => {
    const id = await invite(owner, 'ray@acme.test');
    const copy = await row(owner, 'ray@acme.test');
    const results = await Promise.allSettled([
      owner.members.edit({ id, name: 'Ray One', version: copy.version }),
      ada.members.edit({ id, name: 'Ray Two', version: copy.version }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as { domainCode?: string }).domainCode).toBe('STALE');
    expect(['Ray One', 'Ray Two']).toContain((await row(owner, 'ray@acme.test')).name);
  });

  it('roles: a rename or a permission save from a stale copy is refused, naming who saved first', async () => {
    await owner.roles.create({ name: 'Support', permissions: ['members.view'] });
    const copyOf = async (c: Caller) => (await c.roles.list()).find((r) => r.name === 'Support')!;
    const ownersCopy = await copyOf(owner);
    const adasCopy = await copyOf(ada);
    await owner.roles.setPermissions({ roles: [{ id: ownersCopy.id, permissions: ['members.view', 'audit.view'], version: ownersCopy.version }] });

    const rename = await caught(ada.roles.rename({ id: adasCopy.id, name: 'Helpdesk', version: adasCopy.version }));
    expect(rename.domainCode).toBe('STALE');
    expect(rename.message).toMatch(/^Changed by owner@acme\.test at .+ UTC: reload to see it\.$/);
    const matrix = await caught(ada.roles.setPermissions({ roles: [{ id: adasCopy.id, permissions: [], version: adasCopy.version }] }));
    expect(matrix.domainCode).toBe('STALE');
    const now = await copyOf(ada);
    expect(now.permissions.sort()).toEqual(['audit.view', 'members.view']);
    await ada.roles.rename({ id: now.id, name: 'Helpdesk', version: now.version });
    expect((await owner.roles.list()).some((r) => r.name === 'Helpdesk')).toBe(true);
  });
  /** Two saves from the same copy, one per admin: exactly one lands; the other is STALE, naming who saved first. */
  async function race<T>(first: () => Promise<T>, second: () => Promise<T>) {
    const results = await Promise.allSettled([first(), second()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = await caught(Promise.reject((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason));
    const winner = results[0]!.status === 'fulfilled' ? 'owner@acme.test' : 'ada@acme.test';
    expect(refused.domainCode).toBe('STALE');
    expect(refused.message).toMatch(new RegExp(`^Changed by ${winner.replace('.', '\\.')} at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC: reload to see it\\.$`));
    return winner;
  }

  const accountCopy = async (c: Caller, name: string) => (await c.accounts.list()).find((a) => a.name === name)!;

  it('sub-accounts: two renames racing from one copy, one applied, the other refused naming who; a reload lets it through', async () => {
    const { id } = await owner.accounts.create({ name: 'France' });
    const copy = await accountCopy(owner, 'France');
    expect((await accountCopy(ada, 'France')).version).toBe(copy.version);
    const winner = await race(
      () => owner.accounts.rename({ id, name: 'Gaul', version: copy.version }),
      () => ada.accounts.rename({ id, name: 'Francia', version: copy.version }),
    );
    const names = (await owner.accounts.list()).map((a) => a.name);
    expect(names).toContain(winner === 'owner@acme.test' ? 'Gaul' : 'Francia');
    expect(names).not.toContain(winner === 'owner@acme.test' ? 'Francia' : 'Gaul');
    // Without a version (an older client), the rename goes through as before.
    await ada.accounts.rename({ id, name: 'France' });
    const now = await accountCopy(ada, 'France');
    await ada.accounts.rename({ id, name: 'Frankreich', version: now.version });
    expect((await accountCopy(owner, 'Frankreich')).id).toBe(id);
  });

  it('sub-accounts: a move from a stale copy is refused, naming who changed the account', async () => {
    const { id } = await owner.accounts.create({ name: 'Lyon' });
    const europe = (await owner.accounts.create({ name: 'Europe' })).id;
    const emea = (await owner.accounts.create({ name: 'EMEA' })).id;
    const copy = await accountCopy(ada, 'Lyon');
    await race(
      () => owner.accounts.move({ id, parentId: europe, version: copy.version }),
      () => ada.accounts.move({ id, parentId: emea, version: copy.version }),
    );
    // A rename by the owner makes ada's copy stale for a move too.
    const fresh = await accountCopy(ada, 'Lyon');
    await owner.accounts.rename({ id, name: 'Lugdunum' });
    const refused = await caught(ada.accounts.move({ id, parentId: (await accountCopy(ada, 'Europe')).id, version: fresh.version }));
    expect(refused.domainCode).toBe('STALE');
    expect(refused.message).toMatch(/^Changed by owner@acme\.test at .+ UTC: reload to see it\.$/);
  });

  it('settings: two saves racing from one copy, one applied, the other refused naming who', async () => {
    const copy = await owner.organizations.settings();
    expect((await ada.organizations.settings()).version).toBe(copy.version);
    const { version, ...form } = copy;
    const save = (c: Caller, days: number) => () => c.organizations.updateSettings({ ...form, smsWebhookUrl: null, invitationValidityDays: days, version });
    const winner = await race(save(owner, 10), save(ada, 20));
    const now = await ada.organizations.settings();
    expect(now.invitationValidityDays).toBe(winner === 'owner@acme.test' ? 10 : 20);
    expect(now.version).toBeGreaterThan(version);
    // After a reload the refused save goes through.
    await ada.organizations.updateSettings({ ...form, smsWebhookUrl: null, invitationValidityDays: 30, version: now.version });
    expect((await owner.organizations.settings()).invitationValidityDays).toBe(30);
  });
});
