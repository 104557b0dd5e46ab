/*
 * Member queries. Over 300 lines because the list's search plan (bounded candidates, prefix ranges,
 * the PostgreSQL ILIKE branch) and "select all matching" must share one meaning of a search: kept
 * side by side here so they cannot drift apart. Splitting the list and its search into a file of
 * their own is the next step when this grows.
 */
import { sql, type RawBuilder } from 'kysely';
import type { MemberStatus } from '../../../shared/statuses';
import type { DbOrTx } from '../database';
import { byDialect, dialectOf } from '../dialect';
import type { Member, MemberUpdate, NewMember } from '../tables/member.table';
import { escapeLike } from './audit.repo';
import { chunks, insertCompiledOnce } from './util';

export async function insertMembers(db: DbOrTx, rows: NewMember[]): Promise<Member[]> {
  return insertCompiledOnce(db, rows, 16, (part) => db.insertInto('member').values(part).returningAll());
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
  /** Keyset cursor: the last row's sort value and id. */
  after?: { value: string | null; id: number };
  limit: number;
}

/** An FTS5 phrase: the text in double quotes, inner quotes doubled. */
function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** The trigram index answers fragments of 3+ characters; shorter ones match a prefix of the email or name. */
export const FTS_MIN_CHARS = 3;

/**
 * Matches gathered before a search counts as common. Up to this many, the page is sorted from the
 * candidates alone; beyond it, walking the sort index and testing each row finds a page after about
 * limit × members / matches rows, so neither branch sorts every match of a common fragment.
 */
export const SEARCH_CANDIDATES = 2000;

/** Above every character: `t <= x < t + HIGH` is "x starts with t" in a byte-order comparison. */
const HIGH = '\u{10FFFF}';

const NAME_KEY = sql<string>`coalesce(lower(name), email_normalized)`;

export type ListedMember = Member & { sort_key: string | null };

type Search = { ids: number[] } | { test: RawBuilder<boolean> };

/** Email or name (the name sort key) starting with a 1–2 character fragment: two index range scans. */
function prefixTest(text: string): RawBuilder<boolean> {
  const hi = text + HIGH;
  return sql<boolean>`((email_normalized >= ${text} AND email_normalized < ${hi}) OR (${NAME_KEY} >= ${text} AND ${NAME_KEY} < ${hi}))`;
}

/** Substring of name or email (and of the phone digits when the text looks like a phone number), tested on the row. */
function substringTest(db: DbOrTx, text: string, digits: string): RawBuilder<boolean> {
  const like = `%${escapeLike(text)}%`;
  const op = byDialect(db, { sqlite: () => sql`like`, postgres: () => sql`ilike` });
  const parts = [sql`name ${op} ${like} escape '\\'`, sql`email_normalized ${op} ${like} escape '\\'`];
  if (digits.length >= FTS_MIN_CHARS) parts.push(sql`phone_digits like ${`%${digits}%`}`);
  return sql<boolean>`(${sql.join(parts, sql` OR `)})`;
}

/**
 * How a search narrows the list: a bounded candidate list of ids when the fragment is rare, else a
 * test on each row (the list then walks its sort index and stops at the page's last row).
 */
async function planSearch(db: DbOrTx, q: MemberListQuery, search: string): Promise<Search> {
  const text = search.trim().toLowerCase();
  // Phone digits are searched only when the text looks like a phone number ("+1 415 555", "555-01"):
  // "son98765@" must not match every phone containing 98765.
  const digits = /^[\d\s+().-]+$/.test(search.trim()) ? search.replace(/\D/g, '') : '';
  const cap = SEARCH_CANDIDATES + 1;
  if (text.length < FTS_MIN_CHARS) {
    const ranges = [
      sql<boolean>`email_normalized >= ${text} AND email_normalized < ${text + HIGH}`,
      sql<boolean>`${NAME_KEY} >= ${text} AND ${NAME_KEY} < ${text + HIGH}`,
    ];
    const ids = new Set<number>();
    for (const range of ranges) {
      let c = db.selectFrom('member').select('id').where('organization_id', '=', q.organizationId).where(range);
      c = q.status ? c.where('status', '=', q.status) : c.where('status', '<>', sql.lit('deleted'));
      for (const r of await c.limit(cap).execute()) ids.add(r.id);
    }
    return ids.size < cap ? { ids: [...ids] } : { test: prefixTest(text) };
  }
  return byDialect<Promise<Search>>(db, {
    // PostgreSQL: ILIKE over the searched columns, answered by the pg_trgm GIN indexes; ORDER BY … LIMIT does the rest.
    postgres: async () => ({ test: substringTest(db, text, digits) }),
    sqlite: async () => {
      // Trigram FTS: case-insensitive substring match over name and email, and over phone digits.
      const parts = [`{name email_normalized} : ${ftsPhrase(text)}`];
      if (digits.length >= FTS_MIN_CHARS) parts.push(`phone_digits : ${ftsPhrase(digits)}`);
      const match = parts.join(' OR ');
      const found = await sql<{ id: number }>`SELECT rowid AS id FROM member_search WHERE member_search MATCH ${match} LIMIT ${cap}`.execute(db);
      return found.rows.length < cap ? { ids: found.rows.map((r) => Number(r.id)) } : { test: substringTest(db, text, digits) };
    },
  });
}

export async function listMembers(db: DbOrTx, q: MemberListQuery): Promise<ListedMember[]> {
  const column = q.sort === 'name' ? NAME_KEY : sql.ref<string>(q.sort === 'email' ? 'email_normalized' : q.sort);
  let query = db.selectFrom('member').selectAll().select(column.as('sort_key')).where('organization_id', '=', q.organizationId);
  // A literal, not a parameter: the planner must see that the "not deleted" partial indexes apply.
  query = q.status ? query.where('status', '=', q.status) : query.where('status', '<>', sql.lit('deleted'));
  if (q.search && q.search.trim()) {
    const plan = await planSearch(db, q, q.search);
    if ('ids' in plan) {
      if (plan.ids.length === 0) return [];
      query = query.where('id', 'in', plan.ids);
    } else query = query.where(plan.test);
  }
  if (q.roleId !== undefined)
    query = query.where('id', 'in', (eb) => eb.selectFrom('member_role').select('member_id').where('role_id', '=', q.roleId!));
  if (q.accountId !== undefined)
    query = query.where('id', 'in', (eb) => eb.selectFrom('member_account').select('member_id').where('account_id', '=', q.accountId!));
  if (q.scopeAccountIds && q.scopeAccountIds !== 'all') {
    const ids = q.scopeAccountIds.length ? q.scopeAccountIds : [-1];
    query = query.where('id', 'in', (eb) => eb.selectFrom('member_account').select('member_id').where('account_id', 'in', ids));
  }
  const sorted = (qq: typeof query, limit: number) =>
    qq.orderBy(column, q.direction).orderBy('id', q.direction).limit(limit).execute() as Promise<ListedMember[]>;
  // SQLite sorts NULL keys first ascending and last descending; PostgreSQL the opposite. An ORDER BY
  // … NULLS FIRST/LAST that no index has would make PostgreSQL sort the whole tab (351 ms at 100,000
  // members, bench `stores`), so there the NULL keys are a seek of their own, before (ascending) or
  // after (descending) the index-ordered keys: each page stays two index range scans at most.
  const ordered = async (qq: typeof query): Promise<ListedMember[]> => {
    if (dialectOf(db) !== 'postgres') return sorted(qq, q.limit);
    const nullKeys = (limit: number) => qq.where(column, 'is', null).orderBy('id', q.direction).limit(limit).execute() as Promise<ListedMember[]>;
    if (q.direction === 'asc') {
      const first = await nullKeys(q.limit);
      return first.length >= q.limit ? first : [...first, ...(await sorted(qq.where(column, 'is not', null), q.limit - first.length))];
    }
    const rows = await sorted(qq.where(column, 'is not', null), q.limit);
    return rows.length >= q.limit ? rows : [...rows, ...(await nullKeys(q.limit - rows.length))];
  };
  if (!q.after) return ordered(query);
  // Keyset seeks into the (…, sort key, id) index: the last page costs what the first does.
  // SQLite sorts NULL keys first: ascending they come before
  // every value, descending after; they are fetched by a second seek rather than an OR, which
  // would turn the seek into a scan.
  const { value, id } = q.after;
  if (value === null)
    return q.direction === 'asc'
      ? ordered(query.where((eb) => eb.or([eb(column, 'is not', null), eb.and([eb(column, 'is', null), eb('id', '>', id)])])))
      : ordered(query.where(column, 'is', null).where('id', '<', id));
  let rows: ListedMember[];
  if (dialectOf(db) === 'sqlite') {
    // SQLite seeks a row value on its first column only: rows sharing the cursor's key (a batch
    // invited in one go shares invited_at) were walked one by one (121 ms at 1,000,000 members,
    // bench `stores`). Two seeks instead: the cursor's key past its id, then the keys beyond.
    const op = q.direction === 'asc' ? '>' : '<';
    const same = await sorted(query.where(column, '=', value).where('id', op, id), q.limit);
    rows = same.length >= q.limit ? same : [...same, ...(await sorted(query.where(column, op, value), q.limit - same.length))];
    if (q.direction === 'asc') return rows;
  } else {
    if (q.direction === 'asc') return ordered(query.where(sql<boolean>`(${column}, id) > (${value}, ${id})`));
    rows = await ordered(query.where(sql<boolean>`(${column}, id) < (${value}, ${id})`));
  }
  if (rows.length >= q.limit) return rows;
  const nulls = (await query.where(column, 'is', null).orderBy('id', 'desc').limit(q.limit - rows.length).execute()) as ListedMember[];
  return [...rows, ...nulls];
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

/** The list's filters (tab, search, role, sub-account) and the viewer's scope, without sort or cursor. */
export type MemberFilter = Pick<MemberListQuery, 'organizationId' | 'status' | 'search' | 'roleId' | 'accountId' | 'scopeAccountIds'>;

/**
 * The members a filter selects, as the list would show them ("select all N matching"): the same
 * conditions as listMembers, keyed by id so a bulk action can walk them in batches.
 */
function matching(db: DbOrTx, q: MemberFilter) {
  let query = db.selectFrom('member').where('organization_id', '=', q.organizationId);
  query = q.status ? query.where('status', '=', q.status) : query.where('status', '<>', 'deleted');
  if (q.search && q.search.trim()) {
    // The same meaning as the list's search (planSearch), without its candidate cap: a selection
    // must hold exactly the members the admin sees listed for this text.
    const text = q.search.trim().toLowerCase();
    const digits = /^[\d\s+().-]+$/.test(q.search.trim()) ? q.search.replace(/\D/g, '') : '';
    if (text.length < FTS_MIN_CHARS) query = query.where(prefixTest(text));
    else
      query = byDialect(db, {
        postgres: () => query.where(substringTest(db, text, digits)),
        sqlite: () => {
          const parts = [`{name email_normalized} : ${ftsPhrase(text)}`];
          if (digits.length >= FTS_MIN_CHARS) parts.push(`phone_digits : ${ftsPhrase(digits)}`);
          return query.where('id', 'in', sql<number>`(SELECT rowid FROM member_search WHERE member_search MATCH ${parts.join(' OR ')})`);
        },
      });
  }
  if (q.roleId !== undefined) query = query.where('id', 'in', (eb) => eb.selectFrom('member_role').select('member_id').where('role_id', '=', q.roleId!));
  if (q.accountId !== undefined) query = query.where('id', 'in', (eb) => eb.selectFrom('member_account').select('member_id').where('account_id', '=', q.accountId!));
  if (q.scopeAccountIds && q.scopeAccountIds !== 'all') {
    const ids = q.scopeAccountIds.length ? q.scopeAccountIds : [-1];
    query = query.where('id', 'in', (eb) => eb.selectFrom('member_account').select('member_id').where('account_id', 'in', ids));
  }
  return query;
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
