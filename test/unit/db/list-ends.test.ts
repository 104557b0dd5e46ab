import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewMember } from '../../../src/main/db/tables/member.table';
import { createEnv, registerOwner, type Caller, type TestEnv } from '../helpers';

/**
 * The end of the members list in one step: the last page (a backward keyset page) is the tail of
 * the whole list in its order, and walking backward from it by each page's `prevCursor` visits every
 * row once, in order — for each tab and sort, with a search and with a filter, on either store.
 */
describe('members list from its end', () => {
  let env: TestEnv;
  let owner: Caller;
  const N = 150;

  beforeAll(async () => {
    env = await createEnv();
    const o = await registerOwner(env);
    owner = o.caller;
    // Ties (a batch invited in one second), no invitation date (NULL keys), no name, pending and
    // accepted and deactivated, one in two with the Member role.
    const rows: NewMember[] = Array.from({ length: N }, (_, i) => {
      const at = new Date(Date.UTC(2024, 0, 1) + Math.floor(((i * 37) % N) / 4) * 1000).toISOString();
      const status = i % 5 === 0 ? 'pending' : i % 11 === 0 ? 'deactivated' : 'accepted';
      return {
        organization_id: o.organizationId,
        email: `p${(i * 53) % N}${i % 3 === 0 ? 'tail' : ''}@x${i % 4}.test`,
        email_normalized: `p${(i * 53) % N}${i % 3 === 0 ? 'tail' : ''}@x${i % 4}.test`,
        name: i % 7 === 0 ? null : `${String.fromCharCode(97 + ((i * 11) % 26))} person ${i % 9}`,
        status,
        invited_at: i % 6 === 0 ? null : at,
        invite_expires_at: status === 'pending' ? '2099-01-01T00:00:00.000Z' : null,
        status_changed_at: new Date(Date.UTC(2024, 1, 1) + (i % 13) * 1000).toISOString(),
        created_at: at,
        updated_at: at,
      };
    });
    const ids = await env.store.db.transaction().execute(async (trx) => (await trx.insertInto('member').values(rows).returning('id').execute()).map((r) => r.id));
    const role = (await owner.roles.list()).find((r) => r.builtin === 'member')!;
    const account = await env.store.db.selectFrom('member_role').select('account_id').where('member_id', '=', o.memberId).executeTakeFirstOrThrow();
    await env.store.db
      .insertInto('member_role')
      .values(ids.filter((_, i) => i % 2 === 1).map((id) => ({ member_id: id, role_id: role.id, account_id: account.account_id })))
      .execute();
  });
  afterAll(async () => {
    await env.close();
  });

  type View = { status?: 'pending' | 'accepted'; search?: string; roleId?: number; sort: 'name' | 'email' | 'invited_at' | 'status_changed_at'; order: 'asc' | 'desc' };

  /** The whole list in its order, read forward page by page. */
  async function forward(view: View): Promise<string[]> {
    const out: string[] = [];
    let cursor: { value: string | null; id: number } | null = null;
    do {
      const page = await owner.members.list({ ...view, cursor, limit: 40 });
      out.push(...page.items.map((m) => m.email));
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  async function views(): Promise<View[]> {
    const role = (await owner.roles.list()).find((r) => r.builtin === 'member')!;
    const out: View[] = [];
    for (const sort of ['name', 'email', 'invited_at', 'status_changed_at'] as const)
      for (const order of ['asc', 'desc'] as const) for (const status of [undefined, 'pending', 'accepted'] as const) out.push({ status, sort, order });
    out.push({ search: 'tail', sort: 'invited_at', order: 'desc' }, { search: 'tail', sort: 'name', order: 'asc' }, { search: 'person 3', sort: 'email', order: 'desc' });
    out.push({ roleId: role.id, sort: 'invited_at', order: 'desc' }, { roleId: role.id, status: 'accepted', search: 'tail', sort: 'name', order: 'asc' });
    return out;
  }

  it('the last page is the tail of the whole list, for each tab and sort, with a search and with a filter', async () => {
    for (const view of await views()) {
      const all = await forward(view);
      expect(all.length, JSON.stringify(view)).toBeGreaterThan(view.search || view.roleId ? 3 : 20);
      const last = await owner.members.list({ ...view, direction: 'backward', limit: 7 });
      expect(last.items.map((m) => m.email), JSON.stringify(view)).toEqual(all.slice(-7));
      // Nothing after the end; more before it.
      expect(last.nextCursor).toBeNull();
      expect(last.prevCursor === null, JSON.stringify(view)).toBe(all.length <= 7);
    }
  });

  it('walking backward from the end visits every row once, in order; forward again from a backward page continues where it ended', async () => {
    for (const view of await views()) {
      const all = await forward(view);
      const seen: string[] = [];
      let page = await owner.members.list({ ...view, direction: 'backward', limit: 7 });
      seen.unshift(...page.items.map((m) => m.email));
      while (page.prevCursor) {
        const before = page;
        page = await owner.members.list({ ...view, direction: 'backward', cursor: page.prevCursor, limit: 7 });
        seen.unshift(...page.items.map((m) => m.email));
        // From a page reached backward, forward leads back to the page it was asked from.
        if (seen.length === 14) {
          expect(page.nextCursor).not.toBeNull();
          const again = await owner.members.list({ ...view, cursor: page.nextCursor, limit: 7 });
          expect(again.items.map((m) => m.email)).toEqual(before.items.map((m) => m.email));
        }
      }
      expect(seen, JSON.stringify(view)).toEqual(all);
    }
  });

  it('a forward page after the first says where to go back from', async () => {
    const first = await owner.members.list({ sort: 'email', order: 'asc', limit: 10 });
    expect(first.prevCursor).toBeNull();
    const second = await owner.members.list({ sort: 'email', order: 'asc', limit: 10, cursor: first.nextCursor });
    expect(second.prevCursor).not.toBeNull();
    const back = await owner.members.list({ sort: 'email', order: 'asc', limit: 10, cursor: second.prevCursor, direction: 'backward' });
    expect(back.items.map((m) => m.email)).toEqual(first.items.map((m) => m.email));
    expect(back.prevCursor).toBeNull();
  });
});
