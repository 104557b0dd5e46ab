import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnv, registerOwner, roleId, type Caller, type TestEnv } from '../helpers';

/** What the invite dialog sends: the CSV role rule, single permissions and modules at invite, and clear refusals. */
describe('invite dialog: rules the admin chooses', () => {
  let env: TestEnv;
  let owner: Caller;
  let member: number;

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    member = await roleId(owner, 'Member');
  });
  afterAll(async () => {
    await env.close();
  });

  const rolesOf = async (email: string) => {
    const list = await owner.members.list({ search: email });
    return list.items.find((m) => m.email === email)!.roles.map((r) => r.name).sort();
  };

  it('a long batch tells the dialog how far it is, only to the person who runs it, and forgets it when done', async () => {
    const key = 'k'.repeat(12) + Date.now().toString(36);
    const entries = Array.from({ length: 3000 }, (_, i) => ({ email: `progress${i}@example${i % 7}.test` }));
    const stages = new Set<string>();
    let done = false;
    const batch = owner.members.invite({ entries, grants: { roleIds: [member] }, progressKey: key }).finally(() => (done = true));
    const someoneElse = env.caller();
    while (!done) {
      const p = await owner.members.inviteProgress({ progressKey: key });
      if (p) {
        stages.add(p.stage);
        expect(p.total).toBe(3000);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await batch).invited).toHaveLength(3000);
    // It was seen on its way (the checking stage at least; writing and saving when the poll fell on them).
    expect(stages.size).toBeGreaterThan(0);
    expect(await owner.members.inviteProgress({ progressKey: key })).toBeNull();
    // Not signed in: no answer at all; the key alone reads nothing.
    await expect(someoneElse.members.inviteProgress({ progressKey: key })).rejects.toThrow(/sign in/i);
  });

  it('a CSV role adds to the dialog roles by default, and replaces them when the admin chooses so', async () => {
    await owner.members.invite({ entries: [{ email: 'add@acme.test', role: 'Admin' }, { email: 'plain@acme.test' }], grants: { roleIds: [member] } });
    expect(await rolesOf('add@acme.test')).toEqual(['Admin', 'Member']);
    expect(await rolesOf('plain@acme.test')).toEqual(['Member']);
    await owner.members.invite({ entries: [{ email: 'rep@acme.test', role: 'admin' }, { email: 'plain2@acme.test' }], grants: { roleIds: [member] }, csvRole: 'replace' });
    expect(await rolesOf('rep@acme.test')).toEqual(['Admin']);
    expect(await rolesOf('plain2@acme.test')).toEqual(['Member']);
  });

  it('single permissions and product modules chosen at invite are granted to every address', async () => {
    const r = await owner.members.invite({ entries: [{ email: 'mod@acme.test' }], grants: { roleIds: [member], permissions: ['module:pricing', 'audit.view'] } });
    const d = await owner.members.detail({ id: r.invited[0]!.memberId });
    expect(d.permissions.map((p) => p.permission).sort()).toEqual(['audit.view', 'module:pricing']);
  });

  it('a bad entry (a name over 200 characters, a line break, a long phone or role) is skipped with its reason; the others go', async () => {
    const entries = [
      { email: 'fine@acme.test', name: 'Fine' },
      { email: 'longname@acme.test', name: 'n'.repeat(201) },
      { email: 'break@acme.test', name: 'Two\nLines' },
      { email: 'phone@acme.test', phone: '1'.repeat(41) },
      { email: 'role@acme.test', role: 'r'.repeat(101) },
    ];
    const preview = await owner.members.preview({ entries });
    expect(preview.map((o) => (o.outcome === 'skip' ? o.message : o.outcome))).toEqual([
      'invite',
      'The name is longer than 200 characters',
      'The name contains a line break',
      'The phone number is longer than 40 characters',
      'The role name is longer than 100 characters',
    ]);
    const r = await owner.members.invite({ entries, grants: { roleIds: [member] } });
    expect(r.invited.map((i) => i.email)).toEqual(['fine@acme.test']);
    expect(r.skipped.map((s) => [s.email, s.reason])).toEqual([
      ['longname@acme.test', 'invalid_entry'],
      ['break@acme.test', 'invalid_entry'],
      ['phone@acme.test', 'invalid_entry'],
      ['role@acme.test', 'invalid_entry'],
    ]);
    // Nothing half-written: the skipped addresses are not members.
    expect((await owner.members.list({ search: 'longname@acme.test' })).items).toEqual([]);
  });

  it('a value far over its limit still refuses the request (the body stays bounded)', async () => {
    await expect(owner.members.preview({ entries: [{ email: 'huge@acme.test', name: 'n'.repeat(2001) }] })).rejects.toThrow();
  });

  it('an address with non-ASCII characters is refused saying so', async () => {
    const [o] = await owner.members.preview({ entries: [{ email: 'chloé.garcía2@acme.test' }] });
    expect(o).toMatchObject({ outcome: 'skip', message: 'Addresses with non-ASCII characters (such as é or ü) are not supported' });
  });
});
