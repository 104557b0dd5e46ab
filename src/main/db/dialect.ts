import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * The one place where SQLite (the default, one desktop) and PostgreSQL (team mode) differ.
 * Everything else speaks Kysely's common subset. Conventions that keep one schema for both:
 * integer ids, booleans stored as 0/1 integers, dates as ISO-8601 text (UTC, sortable),
 * and a byte-order ('C') collation on PostgreSQL so ORDER BY matches SQLite's.
 */
export type DialectName = 'sqlite' | 'postgres';

export function dialectOf(db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Picks the variant for the store's dialect: `byDialect(db, { sqlite: () => …, postgres: () => … })`. */
export function byDialect<T>(db: Kysely<any>, variants: { sqlite: () => T; postgres: () => T }): T {
  return variants[dialectOf(db)]();
}

export interface RowTrigger {
  name: string;
  table: string;
  /** 'INSERT', 'DELETE', 'UPDATE' or 'UPDATE OF a, b'. */
  event: string;
  /** Optional condition on new/old, written so both dialects read it (use IS DISTINCT FROM via `changed()`). */
  when?: string;
  /** Statements run for each row, each ending with ';'. Use `new.` and `old.`; qualify upsert targets (`t.n + 1`). */
  body: string;
}

/**
 * An AFTER … FOR EACH ROW trigger on either store. SQLite takes the body inline; PostgreSQL
 * needs it wrapped in a plpgsql function, which is named after the trigger.
 */
export async function createRowTrigger(db: Kysely<any>, t: RowTrigger): Promise<void> {
  if (dialectOf(db) === 'sqlite') {
    const when = t.when ? ` WHEN ${t.when}` : '';
    await sql.raw(`CREATE TRIGGER ${t.name} AFTER ${t.event} ON ${t.table}${when} BEGIN ${t.body} END`).execute(db);
    return;
  }
  await sql.raw(`CREATE FUNCTION ${t.name}_fn() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN ${t.body} RETURN NULL; END $fn$`).execute(db);
  const when = t.when ? ` WHEN (${t.when})` : '';
  await sql.raw(`CREATE TRIGGER ${t.name} AFTER ${t.event} ON ${t.table} FOR EACH ROW${when} EXECUTE FUNCTION ${t.name}_fn()`).execute(db);
}

export async function dropRowTrigger(db: Kysely<any>, name: string, table: string): Promise<void> {
  if (dialectOf(db) === 'sqlite') {
    await sql.raw(`DROP TRIGGER IF EXISTS ${name}`).execute(db);
    return;
  }
  await sql.raw(`DROP TRIGGER IF EXISTS ${name} ON ${table}`).execute(db);
  await sql.raw(`DROP FUNCTION IF EXISTS ${name}_fn()`).execute(db);
}

/** A null-safe "this column changed" test that both dialects accept. */
export function changed(column: string): string {
  return `old.${column} IS DISTINCT FROM new.${column}`;
}
