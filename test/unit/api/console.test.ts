import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnv, registerOwner, roleId, type Caller, type TestEnv } from '../helpers';

describe('members console: search, keyset pages, per-address roles', () => {
  let env: TestEnv;
  let owner: Caller;
  let memberRole: number;

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    memberRole = await roleId(owner, 'Member');
    const entries = Array.from({ length: 30 }, (_, i) => ({
      email: `p${String(i).padStart(2, '0')}@acme.test`,
      name: i % 3 === 0 ? null : `Person ${String.fromCharCode(65 + (i % 26))}${i}`,
      phone: i === 7 ? '+1 415 555 0107' : null,
    }));
    entries.push({ email: 'zoe.quartermaine@acme.test', name: 'Zoë Quartermaine', phone: '+33 6 12 34 56 78' });
    const r = await owner.members.invite({ entries, grants: { roleIds: [memberRole] } });
    expect(r.invited).toHaveLength(31);
  });
  afterAll(async () => {
    await env.close();
  });

  const emails = (items: { email: string }[]) => items.map((m) => m.email);

  it('finds members by a fragment of name, email or phone through the trigram index, case-insensitively', async () => {
    expect(emails((await owner.members.list({ search: 'QUARTER' })).items)).toEqual(['zoe.quartermaine@acme.test']);
    expect(emails((await owner.members.list({ search: 'termaine@ac' })).items)).toEqual(['zoe.quartermaine@acme.test']);
    expect(emails((await owner.members.list({ search: '555 01' })).items)).toEqual(['p07@acme.test']);
    expect(emails((await owner.members.list({ search: '612345' })).items)).toEqual(['zoe.quartermaine@acme.test']);
    // Digits inside a non-phone text do not search phones.
    expect((await owner.members.list({ search: 'x555 01' })).items).toEqual([]);
    // Two characters: the LIKE fallback still answers.
    expect(emails((await owner.members.list({ search: 'p0', sort: 'email', order: 'asc', limit: 3 })).items)).toEqual(['p00@acme.test', 'p01@acme.test', 'p02@acme.test']);
    // Quotes and FTS syntax in the search text are only text.
    expect((await owner.members.list({ search: '"a" OR b*' })).items).toEqual([]);
  });

  it('keeps the search index in step with edits and deletions', async () => {
    const [zoe] = (await owner.members.list({ search: 'quartermaine' })).items;
    await owner.members.edit({ id: zoe!.id, name: 'Zoë Brightwater' });
    expect((await owner.members.list({ search: 'quartermaine@' })).items).toHaveLength(1); // still by email
    expect(emails((await owner.members.list({ search: 'brightwat' })).items)).toEqual(['zoe.quartermaine@acme.test']);
    await owner.members.cancel({ ids: [zoe!.id] });
    await owner.members.delete({ ids: [zoe!.id] });
    expect((await owner.members.list({ search: 'brightwat' })).items).toEqual([]);
  });

  for (const sort of ['name', 'email', 'invited_at', 'status_changed_at'] as const)
    for (const order of ['asc', 'desc'] as const)
      it(`pages through every member by ${sort} ${order} with keyset cursors, without gaps or repeats`, async () => {
        const all = (await owner.members.list({ sort, order, limit: 500 })).items;
        const seen: number[] = [];
        let cursor: { value: string | null; id: number } | null | undefined;
        do {
          const page = await owner.members.list({ sort, order, limit: 7, cursor });
          seen.push(...page.items.map((m) => m.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toEqual(all.map((m) => m.id));
        expect(new Set(seen).size).toBe(all.length);
      });

  it('gives an address its own role from the role column, on top of the dialog roles; an unknown role is skipped', async () => {
    const preview = await owner.members.preview({ entries: [{ email: 'ivy@acme.test', role: 'admin' }, { email: 'jon@acme.test', role: 'Astronaut' }] });
    expect(preview.map((p) => p.outcome)).toEqual(['invite', 'skip']);
    expect(preview[1]).toMatchObject({ reason: 'unknown_role', message: 'No role is called "Astronaut" in this organization' });
    const r = await owner.members.invite({ entries: [{ email: 'ivy@acme.test', role: 'Admin' }, { email: 'jon@acme.test', role: 'Astronaut' }, { email: 'kim@acme.test' }], grants: { roleIds: [memberRole] } });
    expect(emails(r.invited)).toEqual(['ivy@acme.test', 'kim@acme.test']);
    expect(r.skipped.map((s) => s.reason)).toEqual(['unknown_role']);
    const list = (await owner.members.list({ search: 'acme.test', limit: 500 })).items;
    expect(list.find((m) => m.email === 'ivy@acme.test')!.roles.map((x) => x.name).sort()).toEqual(['Admin', 'Member']);
    expect(list.find((m) => m.email === 'kim@acme.test')!.roles.map((x) => x.name)).toEqual(['Member']);
  });
});

describe('status counts kept by triggers', () => {
  it('match a full count after invites, transitions and deletes', async () => {
    const { createEnv, registerOwner, invite } = await import('../helpers');
    const env = await createEnv();
    try {
      const owner = (await registerOwner(env)).caller;
      const a = await invite(owner, 'count-a@acme.test', 'Member');
      await invite(owner, 'count-b@acme.test', 'Member');
      await owner.members.cancel({ ids: [a] });
      await owner.members.delete({ ids: [a] });
      const counts = await owner.members.counts();
      const truth = await env.store.db.selectFrom('member').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
      for (const t of truth) if (t.status !== 'deleted') expect(counts[t.status], t.status).toBe(Number(t.n));
      expect(counts).toMatchObject({ pending: 1, accepted: 1, cancelled: 0 });
    } finally {
      await env.close();
    }
  });
});
