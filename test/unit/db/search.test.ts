import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewMember } from '../../../src/main/db/tables/member.table';
import { SEARCH_CANDIDATES } from '../../../src/main/db/repos/members.repo';
import { createEnv, registerOwner, type Caller, type TestEnv } from '../helpers';

/**
 * Search returns the top of the list without sorting every match: rare fragments sort a bounded
 * candidate list, common ones walk the sort order. Either way the admin sees exactly the first
 * rows a full sort of every match would give.
 */
describe('member search at the candidate bound', () => {
  let env: TestEnv;
  let owner: Caller;
  const N = SEARCH_CANDIDATES + 500;
  /** Every live member but the Owner, read once after the seed. */
  let live: { id: number; email: string; name: string; invited_at: string }[] = [];

  beforeAll(async () => {
    env = await createEnv();
    const o = await registerOwner(env);
    owner = o.caller;
    const rows: NewMember[] = [];
    for (let i = 0; i < N; i++) {
      const at = new Date(Date.UTC(2024, 0, 1) + ((i * 7919) % N) * 1000).toISOString();
      // Everyone matches "common"; one in 50 matches "rare"; the names shuffle the name order.
      const email = `common${i}${i % 50 === 0 ? 'rare' : ''}@x${i % 7}.test`;
      rows.push({
        organization_id: o.organizationId,
        email,
        email_normalized: email,
        name: `${String.fromCharCode(97 + ((i * 31) % 26))}ll ${i}`,
        status: i % 10 === 9 ? ('deleted' as const) : ('accepted' as const),
        invited_at: at,
        status_changed_at: at,
        created_at: at,
        updated_at: at,
      });
    }
    // Through Kysely so the same seed runs on either store; chunks stay under both stores' bound-parameter limits.
    await env.store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 500) await trx.insertInto('member').values(rows.slice(i, i + 500)).execute();
    });
    live = (await env.store.db
      .selectFrom('member')
      .select(['id', 'email', 'name', 'invited_at'])
      .where('status', '<>', 'deleted')
      .where('email', '<>', 'owner@acme.test')
      .execute()) as typeof live; // every seeded row has a name and an invitation date
  });
  afterAll(async () => {
    await env.close();
  });

  /** Every live member, filtered and fully sorted in JS: what the first page must be. */
  function expected(match: (m: { email: string; name: string }) => boolean, sort: 'invited_at' | 'email' | 'name', desc: boolean): string[] {
    const rows = live;
    const key = (r: (typeof rows)[number]) => (sort === 'invited_at' ? r.invited_at : sort === 'email' ? r.email : r.name.toLowerCase());
    const sorted = rows.filter(match).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id - b.id));
    if (desc) sorted.reverse();
    return sorted.slice(0, 50).map((r) => r.email);
  }

  async function shown(search: string, sort: 'invited_at' | 'email' | 'name', order: 'asc' | 'desc'): Promise<string[]> {
    const page = await owner.members.list({ search, sort, order, limit: 50 });
    return page.items.map((m) => m.email);
  }

  it('a common fragment (more matches than the bound) gives the same first page as sorting every match', async () => {
    for (const [sort, col] of [['invited_at', 'invited_at'], ['email', 'email'], ['name', 'name']] as const)
      for (const order of ['asc', 'desc'] as const) expect(await shown('COMMON', sort, order), `${sort} ${order}`).toEqual(expected((m) => m.email.includes('common'), col, order === 'desc'));
  });

  it('a rare fragment (a bounded candidate list) gives the same first page as sorting every match', async () => {
    expect(await shown('rare@', 'invited_at', 'desc')).toEqual(expected((m) => m.email.includes('rare@'), 'invited_at', true));
    expect(await shown('rare@', 'email', 'asc')).toEqual(expected((m) => m.email.includes('rare@'), 'email', false));
  });

  it('one or two characters match the start of the email or name, common or rare', async () => {
    // "c": every email starts with it (beyond the bound); "bl": the names starting with "bl"... none; "b": a rare start.
    expect(await shown('c', 'email', 'asc')).toEqual(expected((m) => m.email.startsWith('c') || m.name.toLowerCase().startsWith('c'), 'email', false));
    expect(await shown('b', 'name', 'desc')).toEqual(expected((m) => m.email.startsWith('b') || m.name.toLowerCase().startsWith('b'), 'name', true));
    expect(await shown('bz', 'email', 'asc')).toEqual([]);
  });
});
