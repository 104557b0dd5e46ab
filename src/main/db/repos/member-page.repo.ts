/*
 * The keyset paging of the members list (listMembers in members.repo.ts): a page as the index ranges
 * it reads, run one after the other on SQLite and as one statement on PostgreSQL.
 */
import { expressionBuilder, sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Database, DbOrTx } from '../database';
import { dialectOf } from '../dialect';
import { executeCompiledOnce } from './compiled';
import { decorationColumns, decorationsOfRow, type DecorationsJson } from './member-decorations.repo';

/**
 * Limits read for the page sizes the console asks (the Members page's 50, and round sizes; the list
 * reads one row more than its page, to say whether more follow): SQLite's statements for them carry
 * the limit as a literal.
 */
const LITERAL_PAGE_SIZES: ReadonlySet<number> = new Set([25, 50, 100, 200].map((size) => size + 1));

/** The order of a page and where it starts: the list's direction and keyset cursor (the last row's sort value and id). */
export interface KeysetOrder {
  direction: 'asc' | 'desc';
  after?: { value: string | null; id: number };
}

type MemberQuery<O> = SelectQueryBuilder<Database, 'member', O>;

/**
 * One index range of a page: the page's query narrowed by `narrow`, ordered by the sort key then id
 * (byKey) or by id alone (its NULL keys). `params`: the values `narrow` binds, in order (a page
 * compiled once per shape on SQLite binds them without building the query again).
 */
interface Segment {
  narrow: <O>(qq: MemberQuery<O>) => MemberQuery<O>;
  byKey: boolean;
  params: unknown[];
}

/**
 * The index ranges that make one page in the list's order (sort key, then id; SQLite's NULL
 * placement on both stores), after the keyset cursor when there is one, in the order they are
 * read: the page is their rows, in turn, up to the limit.
 */
function keysetSegments(db: DbOrTx, column: RawBuilder<string>, q: KeysetOrder): Segment[] {
  const pg = dialectOf(db) === 'postgres';
  const asc = q.direction === 'asc';
  type Narrow = Segment['narrow'];
  const keyed = (narrow: Narrow, params: unknown[] = []): Segment => ({ narrow, byKey: true, params });
  const nullKeys = (narrow: Narrow, params: unknown[] = []): Segment => ({ narrow: (qq) => narrow(qq).where(column, 'is', null), byKey: false, params });
  // SQLite sorts NULL keys first ascending and last descending; PostgreSQL the opposite. An ORDER BY
  // … NULLS FIRST/LAST that no index has would make PostgreSQL sort the whole tab (351 ms at 100,000
  // members, bench `stores`), so there the NULL keys are a seek of their own, before (ascending) or
  // after (descending) the index-ordered keys: each page stays two index range scans at most.
  const ordered = (narrow: Narrow, params: unknown[] = []): Segment[] => {
    if (!pg) return [keyed(narrow, params)];
    const valued = keyed((qq) => narrow(qq).where(column, 'is not', null), params);
    return asc ? [nullKeys(narrow, params), valued] : [valued, nullKeys(narrow, params)];
  };
  if (!q.after) return ordered((qq) => qq);
  // Keyset seeks into the (…, sort key, id) index: the last page costs what the first does.
  // SQLite sorts NULL keys first: ascending they come before every value, descending after; they
  // are fetched by a seek of their own rather than an OR, which would turn the seek into a scan.
  const { value, id } = q.after;
  if (value === null)
    return asc
      ? ordered((qq) => qq.where((eb) => eb.or([eb(column, 'is not', null), eb.and([eb(column, 'is', null), eb('id', '>', id)])])), [id])
      : ordered((qq) => qq.where(column, 'is', null).where('id', '<', id), [id]);
  let beyond: Segment[];
  if (!pg) {
    // SQLite seeks a row value on its first column only: rows sharing the cursor's key (a batch
    // invited in one go shares invited_at) were walked one by one (121 ms at 1,000,000 members,
    // bench `stores`). Two seeks instead: the cursor's key past its id, then the keys beyond.
    const op = asc ? '>' : '<';
    beyond = [keyed((qq) => qq.where(column, '=', value).where('id', op, id), [value, id]), keyed((qq) => qq.where(column, op, value), [value])];
  } else {
    const past = asc ? sql<boolean>`(${column}, id) > (${value}, ${id})` : sql<boolean>`(${column}, id) < (${value}, ${id})`;
    beyond = [keyed((qq) => qq.where(column, 'is not', null).where(past), [value, id])];
  }
  // Descending, the NULL keys come after every value.
  return asc ? beyond : [...beyond, nullKeys((qq) => qq)];
}

/**
 * One page of `query` (keysetSegments). SQLite, where a statement is a function call: the ranges one
 * after the other, until the page is full. PostgreSQL, where each is a round trip: one statement,
 * the ranges as branches of a UNION ALL (each an index range scan of at most `limit` rows), tagged
 * and sorted back into the list's order; with `decorate`, the same statement also carries each row's
 * roles, sub-accounts, permissions and latest mail (member-decorations.repo.ts), one round trip for
 * what took three. `query` must select the sort key as sort_key. `prepare`: the statement's text
 * is one of a few (no search), sent as a named statement.
 */
export async function keysetPage<O>(
  db: DbOrTx,
  query: MemberQuery<O> | (() => MemberQuery<O>),
  column: RawBuilder<string>,
  q: KeysetOrder,
  limit: number,
  opts: { decorate?: boolean; prepare?: { key: string; params: unknown[] }; nullKeys?: MemberQuery<O> } = {},
): Promise<O[]> {
  const decorate = opts.decorate ?? false;
  const segments = keysetSegments(db, column, q);
  const base = typeof query === 'function' ? query : () => query;
  // The range of members without a sort key may be read through another query (PostgreSQL: unfenced,
  // through 0020's partial indexes, where the page's own query gathers every match first).
  const nullKeys = opts.nullKeys;
  const baseOf = (s: Segment) => (!s.byKey && nullKeys ? nullKeys : base());
  // PostgreSQL: the limits as literals, so that a named statement's generic plan (prepared.ts) knows
  // it reads a page and not a tenth of the table, and is chosen over planning every call again.
  // SQLite: a full page of the console's sizes as a literal too (with the tab's status, 8 % faster
  // than bound); any other limit stays bound, so the statements kept do not grow with the sizes a
  // caller may ask (1–500), nor with the rest of a page begun in another range.
  const literalLimit = (n: number) => dialectOf(db) === 'postgres' || (n === limit && LITERAL_PAGE_SIZES.has(n));
  const sorted = (s: Segment, n: number) => {
    const qq = s.narrow(baseOf(s));
    return (s.byKey ? qq.orderBy(column, q.direction) : qq).orderBy('id', q.direction).limit(literalLimit(n) ? sql.lit(n) : n);
  };
  if (dialectOf(db) !== 'postgres') {
    const out: O[] = [];
    const prepare = opts.prepare;
    for (const [i, s] of segments.entries()) {
      if (out.length >= limit) break;
      const n = limit - out.length;
      // A page without a search: compiled once per shape (compiled.ts); building and compiling it
      // with Kysely cost more CPU than SQLite running it.
      const compiled = literalLimit(n) ? { key: `page:${prepare?.key}:${i}:${n}`, params: [...(prepare?.params ?? []), ...s.params] } : { key: `page:${prepare?.key}:${i}:rest`, params: [...(prepare?.params ?? []), ...s.params, n] };
      out.push(...(prepare ? await executeCompiledOnce(db, compiled.key, compiled.params, () => sorted(s, n)) : await sorted(s, n).execute()));
    }
    return out;
  }
  const dir = sql.raw(q.direction);
  const statement = () => {
    const branches = sql.join(
      segments.map((s, i) => sql`(${sorted(s, limit).select(sql.lit(i).as('part'))})`),
      sql` union all `,
    );
    const page = sql`select * from (${branches}) as u order by part, sort_key ${dir}, id ${dir} limit ${sql.lit(limit)}`;
    if (!decorate) return sql<O & { part: number } & Partial<DecorationsJson>>`${page}`;
    const c = decorationColumns(db, expressionBuilder<Database, never>());
    return sql<O & { part: number } & Partial<DecorationsJson>>`select m.*, ${c.roles} as roles, ${c.accounts} as accounts, ${c.grants} as grants, ${c.delivery} as delivery from (${page}) as m order by m.part, m.sort_key ${dir}, m.id ${dir}`;
  };
  // A page without a search has a handful of shapes: each is built once (compiled.ts) and planned
  // once per connection (a named statement, prepared.ts); planning the statement with its
  // decorations cost more than running it. Its bound values: each range's filters, then its own.
  const prepare = opts.prepare;
  const rows = prepare
    ? await executeCompiledOnce(db, `page:${prepare.key}:${limit}:${decorate ? 'decorated' : 'bare'}`, segments.flatMap((s) => [...prepare.params, ...s.params]), () => ({ compile: () => statement().compile(db) }))
    : (await statement().execute(db)).rows;
  return rows.map((r) => {
    const { part: _part, ...row } = r as O & { part: number } & Partial<DecorationsJson>;
    if (!decorate) return row as O;
    const { roles, accounts, grants, delivery, ...member } = row;
    return { ...member, decorations: decorationsOfRow({ roles: roles!, accounts: accounts!, grants: grants!, delivery: delivery ?? null }) } as O;
  });
}
