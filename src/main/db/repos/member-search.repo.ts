/*
 * What a member search means (name, email, phone digits) and how the list narrows to it: one place
 * for the list's plan (listMembers) and for "select all matching" (countMembersMatching), so the two
 * cannot drift apart. SQLite: FTS5 trigram table member_search; PostgreSQL: the pg_trgm GIN index
 * over lower(name), email_normalized and phone_digits (migration 0016).
 */
import { sql, type RawBuilder } from 'kysely';
import type { DbOrTx } from '../database';
import { byDialect } from '../dialect';
import { escapeLike } from './audit.repo';

/** The trigram index answers fragments of 3+ characters; shorter ones match a prefix of the email or name. */
export const FTS_MIN_CHARS = 3;

/**
 * Matches gathered before a search counts as common. Up to this many, the page is sorted from the
 * candidates alone (a bounded list of ids).
 */
export const SEARCH_CANDIDATES = 2000;

/**
 * Rows of the sort order a common fragment's page first tests (an index walk of ids, then the rows
 * among them that match, looked up by id): a fragment matching every fourth member fills its page
 * there. When some matched, the list walks on testing each row (their density says a page lies about
 * limit / density rows down); when none did, ten times as far; none there either (the matches
 * gathered further down the order): the page is found through the set of every match.
 */
export const SEARCH_WALK = 200;

/** Above every character: `t <= x < t + HIGH` is "x starts with t" in a byte-order comparison. */
const HIGH = '\u{10FFFF}';

/** The name sort key: lowercased name, else the email. */
export const NAME_KEY = sql<string>`coalesce(lower(name), email_normalized)`;

/**
 * How a search narrows the list:
 * - `ids`: a bounded candidate list (a rare fragment; on PostgreSQL, one its planner estimates rare);
 * - `test`: a condition on each row (a common one), and how to find a page whose matches lie far
 *   down the sort order: `members`, membership in the set of every match (built once per query) as a
 *   filter on the walk of the sort index, or `farIds`, every match's id when they are few enough to
 *   sort (SQLite); `fenced`, every match gathered through the trigram
 *   index apart, then sorted (PostgreSQL, whose index walk reads each row from the table);
 *   with `few` (estimated at most SEARCH_FAR_IDS matches) once the first rows of the walk hold none;
 *   neither: one query that tests each row (a 1–2 character prefix).
 */
export type SearchPlan =
  | { ids: number[] }
  | { test: RawBuilder<boolean> }
  | { test: RawBuilder<boolean>; members: RawBuilder<boolean>; farIds: () => Promise<number[] | null>; idWalk?: (n: number, direction: 'asc' | 'desc') => Promise<number[]> }
  | { test: RawBuilder<boolean>; fenced: true; few?: true };

/**
 * Up to this many matches, a page whose matches lie far down the order is sorted from them: SQLite
 * sorts their ids (looked up by primary key) rather than walking the sort index against the set of
 * every match ("son 10", 11,111 matches below the first 890,000 rows at 1,000,000 members, walked
 * 460 ms; under SQLite's bound on a statement's parameters, 32,766); PostgreSQL, by its planner's
 * estimate, gathers them once the first rows of the walk hold none, without the longer walk.
 */
export const SEARCH_FAR_IDS = 20_000;

/**
 * The bounds in force: tests lower farIds to reach the walk against the set with a small store, turn
 * idWalk off to reach the plans it would otherwise answer first, and lower pgRare (PostgreSQL: the
 * planner's estimate of matches up to which a fragment's ids are gathered as candidates) to walk small stores.
 */
export const searchBounds = { farIds: SEARCH_FAR_IDS, idWalk: true, pgRare: SEARCH_CANDIDATES };

/** An FTS5 phrase: the text in double quotes, inner quotes doubled. */
function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

interface Terms {
  /** Trimmed, lowercased text. */
  text: string;
  /** Phone digits, searched only when the text looks like a phone number ("+1 415 555", "555-01"): "son98765@" must not match every phone containing 98765. */
  digits: string;
}

function termsOf(search: string): Terms {
  const text = search.trim().toLowerCase();
  const digits = /^[\d\s+().-]+$/.test(search.trim()) ? search.replace(/\D/g, '') : '';
  return { text, digits };
}

/** Email or name (the name sort key) starting with a 1–2 character fragment: two index range scans. */
function prefixTest(text: string): RawBuilder<boolean> {
  const hi = text + HIGH;
  return sql<boolean>`((email_normalized >= ${text} AND email_normalized < ${hi}) OR (${NAME_KEY} >= ${text} AND ${NAME_KEY} < ${hi}))`;
}

/**
 * Substring of name or email (and of the phone digits when the text looks like a phone number), tested on the row.
 * SQLite's LIKE ignores ASCII case. PostgreSQL: plain LIKE on lowercased text, the expressions of its
 * trigram index (migration 0016): the same members as ILIKE under the 'C' collation (both fold ASCII
 * only; `text` and email_normalized are lowercased already), at about half the cost per row rechecked.
 */
function substringTest(db: DbOrTx, { text, digits }: Terms): RawBuilder<boolean> {
  const like = `%${escapeLike(text)}%`;
  const name = byDialect(db, { sqlite: () => sql`name`, postgres: () => sql`lower(name)` });
  // The name last: PostgreSQL evaluates an OR in the order written and stops at the first true arm,
  // and lower(name) is the arm that costs (a copy per row rechecked). An email match (most common
  // fragments) then never lowers the name: "person1" at 1,000,000 members, 111,111 matches rechecked,
  // 143 → 63 ms.
  const parts = [sql`email_normalized like ${like} escape '\\'`];
  if (digits.length >= FTS_MIN_CHARS) parts.push(sql`phone_digits like ${`%${digits}%`}`);
  parts.push(sql`${name} like ${like} escape '\\'`);
  return sql<boolean>`(${sql.join(parts, sql` OR `)})`;
}

/** The FTS5 query of a 3+ character fragment. */
function ftsMatch({ text, digits }: Terms): string {
  const parts = [`{name email_normalized} : ${ftsPhrase(text)}`];
  if (digits.length >= FTS_MIN_CHARS) parts.push(`phone_digits : ${ftsPhrase(digits)}`);
  return parts.join(' OR ');
}

/**
 * The condition "matches this search", exactly (no candidate cap): what "select all N matching"
 * selects and counts, the same members the list shows for this text.
 */
export function searchCondition(db: DbOrTx, search: string): RawBuilder<boolean> {
  const terms = termsOf(search);
  if (terms.text.length < FTS_MIN_CHARS) return prefixTest(terms.text);
  return byDialect(db, {
    postgres: () => substringTest(db, terms),
    sqlite: () => sql<boolean>`id IN (SELECT rowid FROM member_search WHERE member_search MATCH ${ftsMatch(terms)})`,
  });
}

/**
 * The list's plan for a search: a bounded candidate list of ids when the fragment is rare, else a
 * test on each row (the list then walks its sort index and stops at the page's last row).
 * `scope` narrows the 1–2 character candidates to the organization and tab.
 */
export async function planSearch(db: DbOrTx, scope: { organizationId: number; status?: string }, search: string): Promise<SearchPlan> {
  const terms = termsOf(search);
  const { text } = terms;
  const cap = SEARCH_CANDIDATES + 1;
  if (text.length < FTS_MIN_CHARS) {
    const ranges = [
      sql<boolean>`email_normalized >= ${text} AND email_normalized < ${text + HIGH}`,
      sql<boolean>`${NAME_KEY} >= ${text} AND ${NAME_KEY} < ${text + HIGH}`,
    ];
    const ids = new Set<number>();
    for (const range of ranges) {
      let c = db.selectFrom('member').select('id').where('organization_id', '=', scope.organizationId).where(range);
      c = scope.status ? c.where('status', '=', scope.status as never) : c.where('status', '<>', sql.lit('deleted'));
      for (const r of await c.limit(cap).execute()) ids.add(r.id);
    }
    return ids.size < cap ? { ids: [...ids] } : { test: prefixTest(text) };
  }
  return byDialect<Promise<SearchPlan>>(db, {
    // PostgreSQL: LIKE over the lowercased searched columns, answered by the pg_trgm GIN index (0016).
    postgres: async () => {
      // The planner's estimate of the matches (planning only, nothing read). Estimated rare: its ids
      // gathered through the trigram index, at most SEARCH_CANDIDATES + 1, a candidate list as on
      // SQLite when fewer. Not left to the planner: next to a keyset cursor it walked the sort index
      // testing each row (the second page of "5550123", 100 matches at 1,000,000 members: 459 ms,
      // gathered 8 ms). Not trusted either: the estimate of a LIKE comes from a histogram of 100 values
      // ("example42", 10,309 matches, was estimated 40,500 after one ANALYZE and rare after another,
      // and every match was gathered and sorted: 107 ms); the bound stops that gather.
      const test = substringTest(db, terms);
      const plan = await sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>`EXPLAIN (FORMAT JSON) SELECT id FROM member WHERE organization_id = ${scope.organizationId} AND ${test}`.execute(db);
      const estimate = plan.rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? 0;
      if (estimate <= searchBounds.pgRare) {
        const found = await sql<{ id: number }>`SELECT id FROM member WHERE organization_id = ${scope.organizationId} AND ${test} LIMIT ${cap}`.execute(db);
        if (found.rows.length < cap) return { ids: found.rows.map((r) => r.id) };
        // The estimate was wrong: nothing says how many there are, so not `few` (gathered at once).
        return { test, fenced: true };
      }
      // Few enough to gather in about the time of the walk's second, longer stretch ("son 10", 11,111
      // matches at 1,000,000 members: the walk of 2,000 rows 9 ms, the gather 15 ms).
      return estimate <= searchBounds.farIds ? { test, fenced: true, few: true } : { test, fenced: true };
    },
    sqlite: async () => {
      // Trigram FTS: case-insensitive substring match over name and email, and over phone digits.
      const match = ftsMatch(terms);
      const found = await sql<{ id: number }>`SELECT rowid AS id FROM member_search WHERE member_search MATCH ${match} LIMIT ${cap}`.execute(db);
      if (found.rows.length < cap) return { ids: found.rows.map((r) => Number(r.id)) };
      // "+id": the match set is a filter on the walk of the sort index (built once, with a Bloom
      // filter), never the driver of a lookup per match followed by a sort of every match.
      // farIds: every match's id when there are at most SEARCH_FAR_IDS, asked only once the walk
      // found none near the top (else null: the walk against the set).
      const farIds = async () => {
        const all = await sql<{ id: number }>`SELECT rowid AS id FROM member_search WHERE member_search MATCH ${match} LIMIT ${searchBounds.farIds + 1}`.execute(db);
        return all.rows.length <= searchBounds.farIds ? all.rows.map((r) => Number(r.id)) : null;
      };
      // idWalk: the n highest (desc) or lowest (asc) matching ids, a walk of the trigram index in rowid order (no sort).
      const idWalk = async (n: number, direction: 'asc' | 'desc') =>
        (await sql<{ id: number }>`SELECT rowid AS id FROM member_search WHERE member_search MATCH ${match} ORDER BY rowid ${sql.raw(direction === 'asc' ? 'ASC' : 'DESC')} LIMIT ${n}`.execute(db)).rows.map((r) =>
          Number(r.id),
        );
      return { test: substringTest(db, terms), members: sql<boolean>`+id IN (SELECT rowid FROM member_search WHERE member_search MATCH ${match})`, farIds, ...(searchBounds.idWalk ? { idWalk } : {}) };
    },
  });
}

/** Ids per block of member_key_block (migration 0018): id >> 10. */
const KEY_BLOCK_BITS = 10;

/** The sorts whose key member_key_block bounds by id (SQLite). */
export type IdBoundedSort = 'invited_at' | 'status_changed_at';

/**
 * SQLite: true when no member beyond `edgeId` in id order (below it newest first, above it oldest
 * first; any organization, any status) would come before `last` (the sort key of a page's last row,
 * whose id lies on this side of `edgeId`): newest first, their dates are at most last's (a tie goes
 * after it, its id being lower) or NULL (last, descending); oldest first, at least last's and none
 * NULL (NULL keys come first ascending), or last's key is NULL itself. Then the matches among the
 * ids up to `edgeId` are the page exactly. The bounds: member_key_block (migration 0018) for the
 * whole blocks beyond, the rows themselves (at most 1,023, by primary key) for the block of `edgeId`.
 */
export async function idWalkCovers(db: DbOrTx, sort: IdBoundedSort, direction: 'asc' | 'desc', edgeId: number, last: string | null): Promise<boolean> {
  const block = edgeId >> KEY_BLOCK_BITS;
  const own = sql.ref(sort);
  const invited = sort === 'invited_at';
  let r;
  if (direction === 'desc') {
    const max = sql.ref(invited ? 'invited_max' : 'changed_max');
    r = await sql<{ covered: number }>`SELECT (m IS NULL OR (${last} IS NOT NULL AND m <= ${last})) AS covered FROM (
      SELECT max(k) AS m FROM (
        SELECT max(${max}) AS k FROM member_key_block WHERE block < ${block}
        UNION ALL SELECT max(${own}) AS k FROM member WHERE id >= ${block << KEY_BLOCK_BITS} AND id < ${edgeId}))`.execute(db);
  } else {
    const min = sql.ref(invited ? 'invited_min' : 'changed_min');
    const blockNull = invited ? sql`max(invited_null)` : sql`0`;
    r = await sql<{ covered: number }>`SELECT (${last} IS NULL OR (coalesce(n, 0) = 0 AND (m IS NULL OR m >= ${last}))) AS covered FROM (
      SELECT min(k) AS m, max(nl) AS n FROM (
        SELECT min(${min}) AS k, ${blockNull} AS nl FROM member_key_block WHERE block > ${block}
        UNION ALL SELECT min(${own}) AS k, max(${own} IS NULL) AS nl FROM member WHERE id > ${edgeId} AND id < ${(block + 1) << KEY_BLOCK_BITS}))`.execute(db);
  }
  return r.rows[0]?.covered === 1;
}
