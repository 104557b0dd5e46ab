import { sql, type ExpressionBuilder, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import { jsonArrayFrom as pgJsonArrayFrom, jsonObjectFrom as pgJsonObjectFrom } from 'kysely/helpers/postgres';
import { jsonArrayFrom as liteJsonArrayFrom, jsonObjectFrom as liteJsonObjectFrom } from 'kysely/helpers/sqlite';
import type { DbOrTx } from '../database';
import { byDialect } from '../dialect';

/**
 * Nested rows in one query (Kysely's JSON helpers, per dialect): a subquery's rows as a JSON array
 * (or its first row as an object) in a column, so a page and what decorates it, or a session and
 * its grants, come back in one round trip. SQLite hands the JSON back as text: read it with `parsed`.
 */
export function jsonArrayFrom<O>(db: DbOrTx, expr: SelectQueryBuilder<any, any, O>): RawBuilder<O[] | string> {
  return byDialect<RawBuilder<O[] | string>>(db, { sqlite: () => liteJsonArrayFrom(expr) as RawBuilder<any>, postgres: () => pgJsonArrayFrom(expr) as RawBuilder<any> });
}

export function jsonObjectFrom<O>(db: DbOrTx, expr: SelectQueryBuilder<any, any, O>): RawBuilder<O | string | null> {
  return byDialect<RawBuilder<O | string | null>>(db, { sqlite: () => liteJsonObjectFrom(expr) as RawBuilder<any>, postgres: () => pgJsonObjectFrom(expr) as RawBuilder<any> });
}

/** A JSON column as rows: parsed from SQLite's text, as is from PostgreSQL (pg parses json). */
export function parsed<T>(value: T | string): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** A typed NULL that both stores accept in a UNION branch (PostgreSQL needs its type). */
export function nullText(): RawBuilder<string | null> {
  return sql<string | null>`cast(null as text)`;
}

/** One grant of a member: a permission at an account, through a role (its name) or given alone (null). */
export interface GrantJsonRow {
  permission: string;
  account_id: number;
  role_name: string | null;
}

/**
 * The grants of the member aliased `m` in the enclosing query, as one JSON array: the caller's own
 * authorisation (sessions.repo.ts) and the rows of a page (member-decorations.repo.ts) read the same.
 */
// oxlint-disable-next-line no-explicit-any -- the enclosing query's tables vary; `m` is all it needs.
export function grantsOfMemberJson(db: DbOrTx, eb: ExpressionBuilder<any, any>): RawBuilder<GrantJsonRow[] | string> {
  return jsonArrayFrom(
    db,
    eb
      .selectFrom('member_role as mr')
      .innerJoin('role as r', 'r.id', 'mr.role_id')
      .innerJoin('role_permission as rp', 'rp.role_id', 'r.id')
      .select(['rp.permission', 'mr.account_id', sql<string | null>`r.name`.as('role_name')])
      .whereRef('mr.member_id', '=', 'm.id')
      .unionAll(eb.selectFrom('member_permission as mp').select(['mp.permission', 'mp.account_id', nullText().as('role_name')]).whereRef('mp.member_id', '=', 'm.id')),
  ) as RawBuilder<GrantJsonRow[] | string>;
}
