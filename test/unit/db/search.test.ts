import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewMember } from '../../../src/main/db/tables/member.table';
import * as m0016 from '../../../src/main/db/migrations/0016_search_lower';
import * as m0018 from '../../../src/main/db/migrations/0018_member_key_block';
import { planSearch, searchBounds } from '../../../src/main/db/repos/member-search.repo';
import { SEARCH_CANDIDATES } from '../../../src/main/db/repos/members.repo';
import { createEnv, registerOwner, TEST_STORE, type Caller, type TestEnv } from '../helpers';

/**
 * Accepted members (or deleted ones), invited at `at`, seeded through Kysely so the same seed runs
 * on either store; chunks stay under both stores' bound-parameter limits.
 */
async function seedMembers(env: TestEnv, organizationId: number, people: { email: string; name: string; at: string; deleted: boolean }[]): Promise<void> {
  const rows: NewMember[] = people.map(({ email, name, at, deleted }) => ({
    organization_id: organizationId,
    email,
    email_normalized: email,
    name,
    status: deleted ? 'deleted' : 'accepted',
    invited_at: at,
    status_changed_at: at,
    created_at: at,
    updated_at: at,
  }));
  await env.store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto('member').values(rows.slice(i, i + 500)).execute();
  });
}

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
    await seedMembers(
      env,
      o.organizationId,
      Array.from({ length: N }, (_, i) => ({
        at: new Date(Date.UTC(2024, 0, 1) + ((i * 7919) % N) * 1000).toISOString(),
        // Everyone matches "common"; one in 50 matches "rare"; the names shuffle the name order.
        email: `common${i}${i % 50 === 0 ? 'rare' : ''}@x${i % 7}.test`,
        name: `${String.fromCharCode(97 + ((i * 31) % 26))}ll ${i}`,
        deleted: i % 10 === 9,
      })),
    );
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

/**
 * A common fragment whose matches do not start the list: none among the first rows of the order
 * ("far", every match invited first, so last in the default newest-first order), or only a few there
 * ("few", twenty near the top and the rest far down). The page, and the next one by its cursor, must
 * still be exactly the top of a full sort of every match, on either store.
 */
describe('member search whose matches lie far down the order', () => {
  let env: TestEnv;
  let owner: Caller;
  const N = SEARCH_CANDIDATES * 2 + 600;
  const FAR = SEARCH_CANDIDATES + 300;
  let live: { id: number; email: string; invited_at: string }[] = [];
  let organizationId = 0;

  beforeAll(async () => {
    env = await createEnv();
    const o = await registerOwner(env);
    owner = o.caller;
    organizationId = o.organizationId;
    await seedMembers(
      env,
      o.organizationId,
      Array.from({ length: N }, (_, i) => {
        const far = i < FAR;
        // "few": the FAR oldest, and one in a hundred of the newest 2,000 (about two among the first walk).
        const few = i < FAR || (i >= N - 2000 && i % 100 === 0);
        return {
          // i = 0 is invited first: the newest-first order ends with the FAR oldest members.
          at: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
          email: `m${i}${far ? '.far' : ''}${few ? '.few' : ''}@y${i % 5}.test`,
          name: `Member ${i}`,
          deleted: i % 17 === 3,
        };
      }),
    );
    live = (await env.store.db
      .selectFrom('member')
      .select(['id', 'email', 'invited_at'])
      .where('status', '<>', 'deleted')
      .where('email', '<>', 'owner@acme.test')
      .execute()) as typeof live;
  });
  afterAll(async () => {
    await env.close();
  });

  function expected(fragment: string, desc: boolean): string[] {
    const sorted = live.filter((m) => m.email.includes(fragment)).sort((a, b) => (a.invited_at < b.invited_at ? -1 : a.invited_at > b.invited_at ? 1 : a.id - b.id));
    if (desc) sorted.reverse();
    return sorted.map((r) => r.email);
  }

  async function twoPages(search: string, order: 'asc' | 'desc'): Promise<string[][]> {
    const first = await owner.members.list({ search, order, limit: 50 });
    const second = await owner.members.list({ search, order, limit: 50, cursor: first.nextCursor });
    return [first.items.map((m) => m.email), second.items.map((m) => m.email)];
  }

  it('none among the first rows: the first two pages are those of a full sort', async () => {
    const all = expected('.far', true);
    expect(all.length).toBeGreaterThan(SEARCH_CANDIDATES);
    expect(await twoPages('.FAR', 'desc')).toEqual([all.slice(0, 50), all.slice(50, 100)]);
    // The same without the id-order plan (SQLite), through the sort of every match's id.
    searchBounds.idWalk = false;
    try {
      expect(await twoPages('.FAR', 'desc')).toEqual([all.slice(0, 50), all.slice(50, 100)]);
    } finally {
      searchBounds.idWalk = true;
    }
    // Oldest first, the same matches start the list.
    const asc = expected('.far', false);
    expect(await twoPages('.far', 'asc')).toEqual([asc.slice(0, 50), asc.slice(50, 100)]);
  });

  it('none among the first rows and more matches than the far-down bound (SQLite: the walk against the set of every match; PostgreSQL: the longer walk, then the gather): the same pages', async () => {
    const bound = searchBounds.farIds;
    searchBounds.farIds = 100;
    searchBounds.idWalk = false;
    try {
      const all = expected('.far', true);
      expect(await twoPages('.FAR', 'desc')).toEqual([all.slice(0, 50), all.slice(50, 100)]);
    } finally {
      searchBounds.farIds = bound;
      searchBounds.idWalk = true;
    }
  });

  it('a few among the first rows: the page reaches past them to the full sort', async () => {
    const all = expected('.few', true);
    expect(all.slice(0, 15).every((e) => !e.includes('.far'))).toBe(true);
    expect(await twoPages('.few', 'desc')).toEqual([all.slice(0, 50), all.slice(50, 100)]);
  });

  it('a few among the first rows, however few the planner estimates (PostgreSQL walks the order then tests each row): the same pages', async () => {
    const all = expected('.few', true);
    searchBounds.pgRare = 0;
    try {
      expect(await twoPages('.few', 'desc')).toEqual([all.slice(0, 50), all.slice(50, 100)]);
      const asc = expected('.few', false);
      expect(await twoPages('.few', 'asc')).toEqual([asc.slice(0, 50), asc.slice(50, 100)]);
    } finally {
      searchBounds.pgRare = SEARCH_CANDIDATES;
    }
  });

  it('however rare the planner estimates a common fragment (PostgreSQL gathers at most SEARCH_CANDIDATES + 1 ids, then walks): the same pages', async () => {
    searchBounds.pgRare = Number.MAX_SAFE_INTEGER;
    try {
      // PostgreSQL: a rare fragment's ids are the candidates; ".far" (2,300 matches) overflows the bound and goes on
      // as a common fragment, not as one estimated few (whose matches would be gathered at once, unbounded).
      if (TEST_STORE === 'postgres') {
        const rare = await planSearch(env.store.db, { organizationId }, 'm7.far');
        expect(rare).toEqual({ ids: [expect.any(Number)] });
        const far = await planSearch(env.store.db, { organizationId }, '.far');
        expect(far).toMatchObject({ fenced: true });
        expect('few' in far || 'ids' in far).toBe(false);
      }
      for (const fragment of ['.far', '.few']) {
        const desc = expected(fragment, true);
        const asc = expected(fragment, false);
        expect(await twoPages(fragment, 'desc'), fragment).toEqual([desc.slice(0, 50), desc.slice(50, 100)]);
        expect(await twoPages(fragment, 'asc'), fragment).toEqual([asc.slice(0, 50), asc.slice(50, 100)]);
      }
    } finally {
      searchBounds.pgRare = SEARCH_CANDIDATES;
    }
  });

  it('undoing migration 0016 (PostgreSQL: the trigram index over lower(name)) and redoing it lists the same pages', async () => {
    const before = [await twoPages('.FAR', 'desc'), await twoPages('.few', 'desc')];
    await m0016.down(env.store.db);
    expect([await twoPages('.FAR', 'desc'), await twoPages('.few', 'desc')]).toEqual(before);
    await m0016.up(env.store.db);
    expect([await twoPages('.FAR', 'desc'), await twoPages('.few', 'desc')]).toEqual(before);
  });

  it('from the end (backward pages): the last two pages are those of a full sort, whichever plan finds them', async () => {
    const lastTwo = async (search: string, order: 'asc' | 'desc') => {
      const last = await owner.members.list({ search, order, limit: 50, direction: 'backward' });
      const before = await owner.members.list({ search, order, limit: 50, direction: 'backward', cursor: last.prevCursor });
      return [before.items.map((m) => m.email), last.items.map((m) => m.email)];
    };
    // Oldest first, the list ends with the newest ".far" members, far down the reversed order; ".few" near its top.
    for (const fragment of ['.far', '.few']) {
      const all = expected(fragment, false);
      expect(await lastTwo(fragment, 'asc'), fragment).toEqual([all.slice(-100, -50), all.slice(-50)]);
    }
    const bound = searchBounds.farIds;
    searchBounds.farIds = 100;
    try {
      const all = expected('.far', false);
      expect(await lastTwo('.far', 'asc')).toEqual([all.slice(-100, -50), all.slice(-50)]);
    } finally {
      searchBounds.farIds = bound;
    }
  });

  it('newest first by status date, and on a status tab: the pages of a full sort', async () => {
    const byChanged = await owner.members.list({ search: '.far', sort: 'status_changed_at', order: 'desc', limit: 50 });
    expect(byChanged.items.map((m) => m.email)).toEqual(expected('.far', true).slice(0, 50));
    const tab = await owner.members.list({ search: '.far', status: 'accepted', order: 'desc', limit: 50 });
    expect(tab.items.map((m) => m.email)).toEqual(expected('.far', true).slice(0, 50));
  });

  it('a fragment with a few hundred matches, ordered by a date: the pages of a full sort, also when an old member is dated last or a new one first', async () => {
    const fragment = '@y1.';
    const first = async (sort: 'invited_at' | 'status_changed_at', order: 'asc' | 'desc') => (await owner.members.list({ search: fragment, sort, order, limit: 50 })).items.map((m) => m.email);
    for (const sort of ['invited_at', 'status_changed_at'] as const)
      for (const order of ['desc', 'asc'] as const) expect(await first(sort, order), `${sort} ${order}`).toEqual(expected(fragment, order === 'desc').slice(0, 50));
    const matching = live.filter((m) => m.email.includes(fragment));
    const oldest = matching.reduce((a, m) => (m.id < a.id ? m : a));
    const newest = matching.reduce((a, m) => (m.id > a.id ? m : a));
    const saved = [oldest.invited_at, newest.invited_at];
    const date = async (m: (typeof live)[number], at: string) => {
      await env.store.db.updateTable('member').set({ invited_at: at }).where('id', '=', m.id).execute();
      m.invited_at = at;
    };
    await date(oldest, '2030-01-01T00:00:00.000Z');
    await date(newest, '2000-01-01T00:00:00.000Z');
    try {
      expect((await first('invited_at', 'desc'))[0]).toBe(oldest.email);
      expect(await first('invited_at', 'desc')).toEqual(expected(fragment, true).slice(0, 50));
      expect((await first('invited_at', 'asc'))[0]).toBe(newest.email);
      expect(await first('invited_at', 'asc')).toEqual(expected(fragment, false).slice(0, 50));
    } finally {
      await date(oldest, saved[0]!);
      await date(newest, saved[1]!);
      // The bounds stay wide after a date moves back (still bounds); built again, tight, from the rows.
      await m0018.down(env.store.db);
      await m0018.up(env.store.db);
    }
  });

  it('undoing migration 0018 (the date bound per block of ids) and redoing it on a filled store lists the same pages', async () => {
    const before = [await twoPages('.FAR', 'desc'), await twoPages('.few', 'desc')];
    await m0018.down(env.store.db);
    await m0018.up(env.store.db);
    expect([await twoPages('.FAR', 'desc'), await twoPages('.few', 'desc')]).toEqual(before);
  });

  it('an old member invited again (a low id with the latest date among the matches) still opens the page', async () => {
    // The oldest ".far" members get the newest dates of all ".far" ones: in a full sort they come
    // first, though their ids are the lowest (the newest matching ids no longer hold the page).
    const oldest = live.filter((m) => m.email.includes('.far')).slice(0, 3);
    const latest = live.filter((m) => m.email.includes('.far')).reduce((a, m) => (m.invited_at > a ? m.invited_at : a), '');
    for (const [k, m] of oldest.entries()) {
      const at = new Date(Date.parse(latest) + 100 * (k + 1)).toISOString();
      await env.store.db.updateTable('member').set({ invited_at: at, status_changed_at: at }).where('id', '=', m.id).execute();
      m.invited_at = at;
    }
    const all = expected('.far', true);
    expect(all.slice(0, 3)).toEqual(oldest.map((m) => m.email).reverse());
    expect(await twoPages('.far', 'desc')).toEqual([all.slice(0, 50), all.slice(50, 100)]);
    const byChanged = await owner.members.list({ search: '.far', sort: 'status_changed_at', order: 'desc', limit: 50 });
    expect(byChanged.items.map((m) => m.email)).toEqual(all.slice(0, 50));
  });

  it('oldest first, matches all among the newest members: the pages of a full sort, also once the newest of them is dated first', async () => {
    const late = Array.from({ length: SEARCH_CANDIDATES + 100 }, (_, i) => ({
      at: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
      email: `n${i}.late@z.test`,
      name: `Late ${i}`,
      deleted: i % 13 === 5,
    }));
    await seedMembers(env, (await owner.auth.state()).me!.organization.id, late);
    const lateLive = (await env.store.db.selectFrom('member').select(['id', 'email', 'invited_at']).where('status', '<>', 'deleted').where('email', 'like', '%.late@%').execute()) as typeof live;
    const sorted = () => [...lateLive].sort((a, b) => (a.invited_at < b.invited_at ? -1 : a.invited_at > b.invited_at ? 1 : a.id - b.id)).map((m) => m.email);
    let all = sorted();
    expect(await twoPages('.late', 'asc')).toEqual([all.slice(0, 50), all.slice(50, 100)]);
    // The highest id gets the earliest date of them all: it opens the oldest-first list.
    const newest = lateLive.reduce((a, m) => (m.id > a.id ? m : a));
    newest.invited_at = '2024-12-31T00:00:00.000Z';
    await env.store.db.updateTable('member').set({ invited_at: newest.invited_at }).where('id', '=', newest.id).execute();
    all = sorted();
    expect(all[0]).toBe(newest.email);
    expect(await twoPages('.late', 'asc')).toEqual([all.slice(0, 50), all.slice(50, 100)]);
  });

  it('"select all matching" counts exactly the members the list walks through', async () => {
    expect((await owner.members.countMatching({ search: '.far' })).count).toBe(expected('.far', true).length);
    expect((await owner.members.countMatching({ search: '.few' })).count).toBe(expected('.few', true).length);
  });
});
