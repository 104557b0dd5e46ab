import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, createEnv, invite, registerOwner, roleId, type Caller, type TestEnv } from '../helpers';

let env: TestEnv;
let owner: Caller;

beforeAll(async () => {
  env = await createEnv();
  owner = (await registerOwner(env)).caller;
});

afterAll(async () => {
  await env.close();
});

describe('invisible characters at the router', () => {
  it('an invite address with a zero-width space or a soft hyphen is skipped with the reason, not invited', async () => {
    const r = await owner.members.invite({
      entries: [{ email: 'zw2@acme.test\u200b' }, { email: 'zw3@acme.te\u00adst' }, { email: 'zw4@acme.test' }],
      grants: { roleIds: [await roleId(owner, 'Admin')] },
    });
    expect(r.invited.map((i) => i.email)).toEqual(['zw4@acme.test']);
    expect(r.skipped.map((s) => [s.reason, s.message])).toEqual([
      ['invalid', 'The address zw2@acme.test contains an invisible character (U+200B): remove it and type the address again'],
      ['invalid', 'The address zw3@acme.test contains an invisible character (U+00AD): remove it and type the address again'],
    ]);
    const emails = (await owner.members.list({ limit: 500 })).items.map((m) => m.email);
    expect(emails.filter((e) => /\p{Cf}/u.test(e))).toEqual([]);
    expect(env.mail.map((m) => m.email)).not.toContain('zw2@acme.test');
  });

  it('a member name of only invisible characters, or with a direction override, is refused; emoji and ZWNJ names are kept', async () => {
    const id = await invite(owner, 'named@acme.test');
    const blank = await caught(owner.members.edit({ id, name: '\u200b' }));
    expect(blank.domainCode).toBe('VALIDATION');
    expect(blank.message).toBe('The name is empty: type a name.');
    const rlo = await caught(owner.members.edit({ id, name: 'evil\u202Egnp.exe' }));
    expect(rlo.domainCode).toBe('VALIDATION');
    expect(rlo.message).toMatch(/^The name contains a hidden text-direction control \(U\+202E\)/);
    await owner.members.edit({ id, name: 'Ada \u{1F469}\u200D\u{1F4BB}' });
    expect((await owner.members.detail({ id })).name).toBe('Ada \u{1F469}\u200D\u{1F4BB}');
    await owner.members.edit({ id, name: 'می\u200Cخواهم' });
    expect((await owner.members.detail({ id })).name).toBe('می\u200Cخواهم');
  });

  it('a sub-account name of spaces around a zero-width space is refused', async () => {
    const err = await caught(owner.accounts.create({ name: '  \u200b ' }));
    expect(err.domainCode).toBe('VALIDATION');
    expect(err.message).toBe('The name is empty: type a name.');
    expect((await caught(owner.accounts.create({ name: 'Sales\u2067' }))).message).toMatch(/U\+2067/);
    expect((await owner.accounts.list()).map((a: { name: string }) => a.name).filter((n: string) => /\p{Cf}/u.test(n))).toEqual([]);
  });

  it('a nested name (an invite entry, the person in charge) names where it is; a role description may not hide an override', async () => {
    const entry = await caught(owner.members.invite({ entries: [{ email: 'x@acme.test', name: 'x\u202E' }], grants: { roleIds: [await roleId(owner, 'Admin')] } }));
    expect(entry.message).toMatch(/^entries\.0\.name: the name contains a hidden text-direction control/);
    const inCharge = await caught(owner.accounts.create({ name: 'Lyon', inCharge: { email: 'lyon@acme.test', name: '\u200b', roleId: await roleId(owner, 'Admin') } }));
    expect(inCharge.message).toBe('inCharge.name: the name is empty: type a name.');
    const role = await owner.roles.create({ name: 'Auditors' });
    const desc = await caught(owner.roles.describe({ id: role.id, description: 'reads\u202D' }));
    expect(desc.message).toMatch(/^The description contains a hidden text-direction control \(U\+202D\)/);
  });
});
