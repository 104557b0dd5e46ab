/*
 * Member queries. What a search means and how it narrows the list live in member-search.repo.ts;
 * the list's keyset paging, which a search plan walks, is here (over 300 lines: listMembers' search
 * plans share its query builders, closures over the list's query).
 */
import { sql, type ExpressionBuilder, type RawBuilder } from 'kysely';
import type { MemberStatus } from '../../../shared/statuses';
import type { Database, DbOrTx } from '../database';
import { dialectOf } from '../dialect';
import type { Member, MemberUpdate, NewMember } from '../tables/member.table';
import type { MemberDecorations } from './member-decorations.repo';
import { keysetPage } from './member-page.repo';
import { idWalkCovers, NAME_KEY, planSearch, SEARCH_WALK, searchBounds, searchCondition } from './member-search.repo';
import { chunks, insertCompiledOnce } from './util';

export { FTS_MIN_CHARS, SEARCH_CANDIDATES, SEARCH_WALK } from './member-search.repo';

export async function insertMembers(db: DbOrTx, rows: NewMember[]): Promise<Member[]> {
  return insertCompiledOnce(db, rows, 16, (part) => db.insertInto('member').values(part).returningAll());
}

/**
 * An invite batch's new members (pending, distinct normalized addresses, as the batch guarantees),
 * in the order of `rows`. Only id and version come back from the store; the rest is what was written,
 * so 100,000 rows are not read back column by column (about a tenth of the member insert). Matched
 * by address, not by the order of RETURNING, which neither store promises.
 */
export async function insertInvitedMembers(db: DbOrTx, rows: NewMember[]): Promise<Member[]> {
  const back = await insertCompiledOnce(db, rows, 16, (part) => db.insertInto('member').values(part).returning(['id', 'version', 'email_normalized']));
  const byAddress = new Map(back.map((r) => [r.email_normalized, r]));
  return rows.map((r) => {
    const stored = byAddress.get(r.email_normalized);
    if (!stored || byAddress.size !== rows.length) throw new Error('insertInvitedMembers: the batch must hold distinct addresses');
    return {
      id: stored.id,
      organization_id: r.organization_id,
      person_id: r.person_id ?? null,
      email: r.email,
      email_normalized: r.email_normalized,
      name: r.name ?? null,
      phone: r.phone ?? null,
      phone_digits: r.phone_digits ?? null,
      status: r.status,
      invited_by_member_id: r.invited_by_member_id ?? null,
      invited_at: r.invited_at ?? null,
      invite_expires_at: r.invite_expires_at ?? null,
      accepted_at: r.accepted_at ?? null,
      status_changed_at: r.status_changed_at,
      created_at: r.created_at,
      updated_at: r.updated_at,
      version: stored.version,
    };
  });
}

export async function findMember(db: DbOrTx, organizationId: number, id: number): Promise<Member | undefined> {
  return db.selectFrom('member').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
}

export async function findMembers(db: DbOrTx, organizationId: number, ids: number[]): Promise<Member[]> {
  const out: Member[] = [];
  for (const part of chunks(ids, 5000))
    out.push(...(await db.selectFrom('member').selectAll().where('organization_id', '=', organizationId).where('id', 'in', part).execute()));
  return out;
}

/** Members (not deleted) holding any of these normalized addresses. */
export async function findLiveMembersByEmail(db: DbOrTx, organizationId: number, emails: string[]): Promise<Member[]> {
  const out: Member[] = [];
  for (const part of chunks(emails, 5000))
    out.push(
      ...(await db
        .selectFrom('member')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('status', '<>', 'deleted')
        .where('email_normalized', 'in', part)
        .execute()),
    );
  return out;
}

export async function updateMember(db: DbOrTx, id: number, patch: MemberUpdate): Promise<Member> {
  return db.updateTable('member').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/**
 * Updates a member only if it still is at `version` (no other admin saved in between); undefined
 * when it is not. Under PostgreSQL's row lock a racing save waits, then finds the version moved on.
 */
export async function updateMemberAtVersion(db: DbOrTx, id: number, version: number, patch: MemberUpdate): Promise<Member | undefined> {
  return db.updateTable('member').set(patch).where('id', '=', id).where('version', '=', version).returningAll().executeTakeFirst();
}

export async function membersOfPerson(db: DbOrTx, personId: number): Promise<Member[]> {
  return db.selectFrom('member').selectAll().where('person_id', '=', personId).where('status', '<>', 'deleted').execute();
}

export async function pendingDueForExpiry(db: DbOrTx, nowIso: string): Promise<Member[]> {
  // 'pending' as a literal, not a bound parameter: only then can the planner use the partial index
  // member_pending_expiry (WHERE status = 'pending'); bound, every list request scanned every member.
  return db.selectFrom('member').selectAll().where('status', '=', sql.lit('pending')).where('invite_expires_at', '<=', nowIso).execute();
}

export async function countByStatus(db: DbOrTx, organizationId: number, accountIds: number[] | 'all'): Promise<Record<string, number>> {
  if (accountIds === 'all') {
    // Kept by triggers: a handful of rows, whatever the size of the organization.
    const rows = await db.selectFrom('member_count').select(['status', 'n']).where('organization_id', '=', organizationId).execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
  const rows = await db
    .selectFrom('member')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('organization_id', '=', organizationId)
    .where('id', 'in', (eb) => eb.selectFrom('member_account').select('member_id').where('account_id', 'in', accountIds.length ? accountIds : [-1]))
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export type MemberSort = 'name' | 'email' | 'invited_at' | 'status_changed_at';

export interface MemberListQuery {
  organizationId: number;
  status?: MemberStatus;
  /** Fragment of name, email or phone. */
  search?: string;
  roleId?: number;
  accountId?: number;
  /** Restricts to members with access to one of these accounts (a sub-account admin's scope). */
  scopeAccountIds?: number[] | 'all';
  sort: MemberSort;
  direction: 'asc' | 'desc';
  /** Keyset cursor: the last row's sort value and id (with `backward`, the first row's: the page ends before it). */
  after?: { value: string | null; id: number };
  /**
   * The page that ends before the cursor (none: the list's last page), rows still in the list's
   * order: the admin scrolling up from the end, or jumping to it.
   */
  backward?: boolean;
  limit: number;
}

export type ListedMember = Member & { sort_key: string | null };

/** The JSON columns a PostgreSQL page carries for each row (decorationColumns). */
export type DecoratedRow = ListedMember & { decorations?: MemberDecorations };

/**
 * A page of the list. With a search, the page never sorts every match of a common fragment:
 * - rare fragment: SQLite sorts its candidate ids (at most SEARCH_CANDIDATES), looked up by primary
 *   key (the organization test kept off the sort indexes, which a store without statistics would
 *   otherwise walk whole, testing each row against the list); PostgreSQL the same with the ids of a
 *   fragment its planner estimates rare, gathered through the trigram index (at most SEARCH_CANDIDATES + 1);
 * - common fragment: the first SEARCH_WALK rows of the order (an index walk of ids) are tested; when
 *   they hold a page, that is the page, exactly as a sort of every match would give it; when they
 *   hold some matches, the walk goes on testing each row until the page is full;
 * - none there (its matches lie further down the order): SQLite sorts their ids when there are at most
 *   SEARCH_FAR_IDS, else walks the sort index against the set of every match (built once); PostgreSQL
 *   sorts every match gathered through the trigram index, narrow, then looks the page up by id (at once
 *   when it estimates at most SEARCH_FAR_IDS matches, else after a walk ten times as long).
 */
export async function listMembers(db: DbOrTx, q: MemberListQuery, opts: { decorate?: boolean } = {}): Promise<DecoratedRow[]> {
  // Backward: the list's order reversed is the other direction's order on both stores (sort key,
  // then id, NULL keys first ascending and last descending: keysetSegments gives PostgreSQL SQLite's
  // placement), so the page before a cursor is the next page of the other direction after it, read
  // back to front. The same index range scans, searches and filters as a forward page; no OFFSET.
  if (q.backward) return (await listMembers(db, { ...q, direction: q.direction === 'asc' ? 'desc' : 'asc', backward: false }, opts)).reverse();
  const column = q.sort === 'name' ? NAME_KEY : sql.ref<string>(q.sort === 'email' ? 'email_normalized' : q.sort);
  const filtered = (byId: boolean, fenced?: RawBuilder<boolean>) => {
    // fenced: the members passing this test, gathered apart (PostgreSQL's OFFSET 0 fence) and then
    // filtered and sorted, never tested one by one along the sort index.
    let query = fenced
      ? (db.selectFrom(db.selectFrom('member').selectAll().where('organization_id', '=', q.organizationId).where(fenced).offset(0).as('member')) as unknown as ReturnType<typeof db.selectFrom<'member'>>)
      : db.selectFrom('member');
    query = byId && dialectOf(db) === 'sqlite' ? query.where(sql<boolean>`+organization_id = ${q.organizationId}`) : query.where('organization_id', '=', q.organizationId);
    // A literal, not a parameter: the planner must see that the "not deleted" partial indexes apply.
    // SQLite: a tab's status as a literal too (one of a few, checked at the router): its page ran 8 %
    // faster so than with the status bound (bench router; each tab is its own compiled statement).
    query = q.status
      ? query.where('status', '=', dialectOf(db) === 'sqlite' ? sql.lit(q.status) : q.status)
      : query.where('status', '<>', sql.lit('deleted'));
    return hasGrantFilters(q) ? query.where((eb) => grantFilters(eb, q)) : query;
  };
  const rows = (byId: boolean, fenced?: RawBuilder<boolean>) => filtered(byId, fenced).selectAll().select(column.as('sort_key'));
  // decorate: on PostgreSQL the page's rows come with their decorations (keysetPage); SQLite leaves them to decorationsOf.
  type Rows = ReturnType<typeof rows>;
  const page = (qq: Rows | (() => Rows), prepare?: { key: string; params: unknown[] }, nullKeys?: Rows) => keysetPage(db, qq, column, q, q.limit, { decorate: opts.decorate, prepare, nullKeys }) as Promise<DecoratedRow[]>;
  // PostgreSQL: one array parameter, not thousands of placeholders to parse and plan.
  const among = (ids: number[]) => (dialectOf(db) === 'postgres' ? sql<boolean>`id = any(${ids})` : sql<boolean>`id in (${sql.join(ids)})`);
  // PostgreSQL: the ids looked up by primary key apart (fenced), then tested and sorted; left to the
  // planner next to a keyset cursor it walked the sort index testing each row (1.7 s at 1,000,000).
  // Their members without a sort key (a range of its own, keysetSegments) are read unfenced, through
  // 0020's partial indexes: fenced, every id was fetched and tested a second time for them.
  const pageByIds = (ids: number[], test?: RawBuilder<boolean>) => {
    if (dialectOf(db) !== 'postgres') {
      const listed = rows(true).where(among(ids));
      return page(test ? listed.where(test) : listed);
    }
    const fenced = rows(false, among(ids));
    const open = rows(false).where(among(ids));
    return page(test ? fenced.where(test) : fenced, undefined, test ? open.where(test) : open);
  };
  if (!q.search || !q.search.trim()) return page(() => rows(false), pageShape(q, dialectOf(db) === 'sqlite'));
  const plan = await planSearch(db, q, q.search);
  // Ordered by a date (SQLite): `ids`, matches in the list's direction of id order with every match on
  // this side of the last one among them, hold the page when no id beyond the last has a date that
  // would come before the page's last row (member_key_block's bounds). 'short': fewer than a page
  // among them; 'refused': the bound does not allow it.
  const dated = dialectOf(db) === 'sqlite' && (q.sort === 'invited_at' || q.sort === 'status_changed_at') ? q.sort : null;
  const idOrderPage = async (ids: number[]): Promise<DecoratedRow[] | 'short' | 'refused'> => {
    const taken = ids.length ? await pageByIds(ids) : [];
    const last = taken[taken.length - 1];
    if (!dated || !last || taken.length < q.limit) return 'short';
    return (await idWalkCovers(db, dated, q.direction, ids[ids.length - 1]!, last.sort_key)) ? taken : 'refused';
  };
  if ('ids' in plan) {
    if (!plan.ids.length) return [];
    // A few hundred candidates or more: the page from those nearest the top in id order, when the bound allows.
    if (dated && searchBounds.idWalk && plan.ids.length > q.limit * 4) {
      const ordered = [...plan.ids].sort((a, b) => (q.direction === 'asc' ? a - b : b - a));
      const found = await idOrderPage(ordered.slice(0, q.limit * 2));
      if (typeof found !== 'string') return found;
    }
    return pageByIds(plan.ids);
  }
  if (!('members' in plan) && !('fenced' in plan)) return page(rows(false).where(plan.test));
  // The walk: the first SEARCH_WALK rows of the order, ten times as many when none matched there.
  for (let walk = SEARCH_WALK; walk <= SEARCH_WALK * 10; walk *= 10) {
    const walked = (await keysetPage(db, filtered(false).select(['id', column.as('sort_key')]), column, q, walk)).map((r) => r.id);
    if (walked.length === 0) return [];
    const found = await pageByIds(walked, plan.test);
    // A page, or the whole tab walked: exactly what a sort of every match would give.
    if (found.length >= q.limit || walked.length < walk) return found;
    // Some matched: walk on, testing each row, about limit / density rows.
    if (found.length > 0) return dialectOf(db) === 'postgres' ? walkOnPostgres(db, (trx) => keysetPage(trx, rows(false).where(plan.test), column, q, q.limit, { decorate: opts.decorate })) : page(rows(false).where(plan.test));
    // None, and few in all (PostgreSQL): gathered below, no longer walk.
    if ('few' in plan) break;
    // None: ordered by a date, the newest (oldest) matching ids hold the page when no lower (higher) id has a later (earlier) date.
    if (walk === SEARCH_WALK && 'members' in plan && plan.idWalk && dated) {
      for (const n of [q.limit * 2, q.limit * 40]) {
        const ids = await plan.idWalk(n, q.direction);
        // Fewer than n ids: every match was among them.
        if (ids.length < n) return ids.length ? pageByIds(ids) : [];
        const found = await idOrderPage(ids);
        if (typeof found !== 'string') return found;
        if (found === 'refused') break;
      }
    }
  }
  if ('members' in plan) {
    const far = await plan.farIds();
    return far ? (far.length ? pageByIds(far) : []) : page(rows(false).where(plan.members));
  }
  // PostgreSQL: every match gathered through the trigram index and sorted narrow (id and sort key:
  // half the time of sorting whole rows, 11,111 matches at 1,000,000), then the page looked up by id.
  // Its members without a sort key: unfenced, through 0020's partial indexes (fenced, the gather ran twice).
  const narrow = (qq: ReturnType<typeof filtered>) => qq.select(['id', column.as('sort_key')]);
  const ids = (await keysetPage(db, narrow(filtered(false, plan.test)), column, q, q.limit, { nullKeys: narrow(filtered(false).where(plan.test)) })).map((r) => r.id);
  return ids.length ? pageByIds(ids) : [];
}

/**
 * PostgreSQL, a fragment with matches near the top: its page is a walk of the sort index testing each
 * row, which the walk of the first rows just showed is short. Left to choose, the planner sometimes
 * gathered every match through the trigram index and sorted them instead ("example42", one member in
 * 97, at 1,000,000: 1.8 ms walked, 104–147 ms gathered, from one ANALYZE to the next); bitmap scans
 * (the only way a trigram GIN index is read) are off for this one statement. So are parallel workers:
 * estimating the fragment rare, the planner split the walk over two, and starting them took 28 ms of
 * a 38 ms page (5.4 ms walked alone).
 */
async function walkOnPostgres<T>(db: DbOrTx, run: (trx: DbOrTx) => Promise<T>): Promise<T> {
  // Its own transaction (the list is never read inside one): the settings end with it, whatever happens.
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('enable_bitmapscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`.execute(trx);
    return run(trx);
  });
}

/**
 * A page without a search: what shapes its SQL (the key) and the values the filters bind, in the
 * order of its WHERE clauses (filtered in listMembers, then grantFilters). Compiled once per key.
 */
function pageShape(q: MemberListQuery, statusLiteral: boolean): { key: string; params: unknown[] } {
  const scope = q.scopeAccountIds && q.scopeAccountIds !== 'all' ? (q.scopeAccountIds.length ? q.scopeAccountIds : [-1]) : null;
  const cursor = !q.after ? 'first' : q.after.value === null ? 'null' : 'value';
  const key = [q.sort, q.direction, q.status ? (statusLiteral ? `status=${q.status}` : 'status') : 'live', cursor, q.roleId !== undefined ? 'role' : '', q.accountId !== undefined ? 'account' : '', scope ? `scope${scope.length}` : ''].join(':');
  const params: unknown[] = [q.organizationId];
  if (q.status && !statusLiteral) params.push(q.status);
  if (q.roleId !== undefined) params.push(q.roleId);
  if (q.accountId !== undefined) params.push(q.accountId);
  if (scope) params.push(...scope);
  return { key, params };
}

/** The keyset cursor value of a listed row: its sort key exactly as SQLite computed it. */
export function sortValue(m: ListedMember): string | null {
  return m.sort_key;
}

/** The organization whose membership a person holds longest (joined first): the one that may reset their password. */
export async function homeOrganizationOfPerson(db: DbOrTx, personId: number): Promise<number | undefined> {
  const home = await db
    .selectFrom('member')
    .select('organization_id')
    .where('person_id', '=', personId)
    .where('status', 'in', ['accepted', 'deactivated'])
    .orderBy('accepted_at')
    .orderBy('id')
    .executeTakeFirst();
  return home?.organization_id;
}

/** Accepted members holding the Owner role anywhere in the organization. */
export async function countAcceptedOwners(db: DbOrTx, organizationId: number): Promise<number> {
  const r = await db
    .selectFrom('member_role')
    .innerJoin('role', 'role.id', 'member_role.role_id')
    .innerJoin('member', 'member.id', 'member_role.member_id')
    .select((eb) => eb.fn.count<number>('member.id').distinct().as('n'))
    .where('role.organization_id', '=', organizationId)
    .where('role.builtin', '=', 'owner')
    .where('member.status', '=', 'accepted')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Pending invitations of an organization, by address (the printable sheet of links). */
export async function pendingMembersByEmail(db: DbOrTx, organizationId: number): Promise<{ id: number; email: string; name: string | null }[]> {
  return db.selectFrom('member').select(['id', 'email', 'name']).where('organization_id', '=', organizationId).where('status', '=', 'pending').orderBy('email').execute();
}

/** Any member row by id, whatever its organization (a link names its member). */
export async function findMemberById(db: DbOrTx, id: number): Promise<Member | undefined> {
  return db.selectFrom('member').selectAll().where('id', '=', id).executeTakeFirst();
}

type GrantFilter = Pick<MemberListQuery, 'roleId' | 'accountId' | 'scopeAccountIds'>;
const hasGrantFilters = (q: GrantFilter) => q.roleId !== undefined || q.accountId !== undefined || (!!q.scopeAccountIds && q.scopeAccountIds !== 'all');

/** The role and sub-account filters and the viewer's scope, the same for the list and for "select all matching". */
function grantFilters(eb: ExpressionBuilder<Database, 'member'>, q: GrantFilter) {
  const tests = [];
  if (q.roleId !== undefined) tests.push(eb('id', 'in', eb.selectFrom('member_role').select('member_id').where('role_id', '=', q.roleId)));
  if (q.accountId !== undefined) tests.push(eb('id', 'in', eb.selectFrom('member_account').select('member_id').where('account_id', '=', q.accountId)));
  if (q.scopeAccountIds && q.scopeAccountIds !== 'all') {
    const ids = q.scopeAccountIds.length ? q.scopeAccountIds : [-1];
    tests.push(eb('id', 'in', eb.selectFrom('member_account').select('member_id').where('account_id', 'in', ids)));
  }
  return eb.and(tests);
}

/** The list's filters (tab, search, role, sub-account) and the viewer's scope, without sort or cursor. */
export type MemberFilter = Pick<MemberListQuery, 'organizationId' | 'status' | 'search' | 'roleId' | 'accountId' | 'scopeAccountIds'>;

/**
 * The members a filter selects, as the list would show them ("select all N matching"): the same
 * conditions as listMembers, keyed by id so a bulk action can walk them in batches.
 */
function matching(db: DbOrTx, q: MemberFilter) {
  let query = db.selectFrom('member').where('organization_id', '=', q.organizationId);
  query = q.status ? query.where('status', '=', q.status) : query.where('status', '<>', 'deleted');
  // The same meaning as the list's search, without its candidate cap: a selection must hold exactly
  // the members the admin sees listed for this text.
  if (q.search && q.search.trim()) query = query.where(searchCondition(db, q.search));
  return hasGrantFilters(q) ? query.where((eb) => grantFilters(eb, q)) : query;
}

/** The next ids (ascending, after `afterId`) of the members a filter selects. */
export async function memberIdsMatching(db: DbOrTx, q: MemberFilter, afterId: number | null, limit: number): Promise<number[]> {
  let query = matching(db, q).select('id');
  if (afterId !== null) query = query.where('id', '>', afterId);
  return (await query.orderBy('id').limit(limit).execute()).map((r) => r.id);
}

/** How many members a filter selects. */
export async function countMembersMatching(db: DbOrTx, q: MemberFilter): Promise<number> {
  const r = await matching(db, q).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}
