import { PostgresAdapter, sql, type ColumnDataType, type ColumnDefinitionBuilderCallback, type Expression, type Kysely } from 'kysely';

/** A column type as Kysely's addColumn takes it (Kysely does not export its own name for this). */
export type DataTypeExpression = ColumnDataType | Expression<unknown>;

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
  /**
   * PostgreSQL only (SQLite triggers stay AFTER): 'BEFORE' runs the body as each row is processed,
   * seeing the rows the statement changed before it, as SQLite's AFTER triggers do. PostgreSQL's
   * AFTER ROW triggers all run at the end of the statement, each seeing every row changed.
   */
  pgTiming?: 'BEFORE' | 'AFTER';
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
  const timing = t.pgTiming ?? 'AFTER';
  // A BEFORE trigger must hand the row back, or the change is skipped.
  const ret = timing === 'BEFORE' ? `IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW;` : 'RETURN NULL;';
  await sql.raw(`CREATE FUNCTION ${t.name}_fn() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN ${t.body} ${ret} END $fn$`).execute(db);
  const when = t.when ? ` WHEN (${t.when})` : '';
  await sql.raw(`CREATE TRIGGER ${t.name} ${timing} ${t.event} ON ${t.table} FOR EACH ROW${when} EXECUTE FUNCTION ${t.name}_fn()`).execute(db);
}

export async function dropRowTrigger(db: Kysely<any>, name: string, table: string): Promise<void> {
  if (dialectOf(db) === 'sqlite') {
    await sql.raw(`DROP TRIGGER IF EXISTS ${name}`).execute(db);
    return;
  }
  await sql.raw(`DROP TRIGGER IF EXISTS ${name} ON ${table}`).execute(db);
  await sql.raw(`DROP FUNCTION IF EXISTS ${name}_fn()`).execute(db);
}

export interface StatementTrigger {
  name: string;
  table: string;
  /** One event: PostgreSQL refuses transition tables on a trigger for several events or with a column list. */
  event: 'INSERT' | 'UPDATE' | 'DELETE';
  /** The name under which the statement's new rows (INSERT, UPDATE) are read as a table. */
  newTable?: string;
  /** The name under which the statement's old rows (UPDATE, DELETE) are read as a table. */
  oldTable?: string;
  /** SQL statements run once per statement on `table`, reading the transition tables (no trailing ';'). */
  statements: string[];
  /**
   * For statements whose best plan depends on the number of rows (joins between transition tables and
   * big tables): above this many rows in the transition table they run through EXECUTE, planned for
   * the real size each time; at or below it, as plain SQL whose plan plpgsql caches for small
   * statements (planning every one-row edit would cost more than the row trigger did). Without it
   * the statements always run as plain SQL: write them so any plan stays linear (GROUP BY over one
   * transition table, lookups by key).
   */
  replanAbove?: number;
}

/**
 * PostgreSQL only: an AFTER … FOR EACH STATEMENT trigger with transition tables, so a counter kept by
 * a trigger is written once per statement (aggregated with GROUP BY) instead of once per row: one
 * transaction updating the same counter row 100,000 times keeps 100,000 row versions until commit.
 * SQLite has no statement-level trigger: its triggers stay row triggers (createRowTrigger).
 * Dropped with dropRowTrigger (same names: the trigger and its function `<name>_fn`).
 */
export async function createStatementTrigger(db: Kysely<any>, t: StatementTrigger): Promise<void> {
  if (dialectOf(db) !== 'postgres') throw new Error(`createStatementTrigger(${t.name}): PostgreSQL only`);
  const plain = t.statements.map((s) => `${s};`).join(' ');
  let body = plain;
  if (t.replanAbove !== undefined) {
    const rows = t.newTable ?? t.oldTable;
    if (!rows) throw new Error(`createStatementTrigger(${t.name}): replanAbove needs a transition table`);
    const replanned = t.statements.map((s) => `EXECUTE $q$ ${s} $q$;`).join(' ');
    body = `IF (SELECT count(*) FROM (SELECT 1 FROM ${rows} LIMIT ${t.replanAbove + 1}) x) > ${t.replanAbove} THEN ${replanned} ELSE ${plain} END IF;`;
  }
  await sql.raw(`CREATE FUNCTION ${t.name}_fn() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN ${body} RETURN NULL; END $fn$`).execute(db);
  const refs = [t.oldTable ? `OLD TABLE AS ${t.oldTable}` : '', t.newTable ? `NEW TABLE AS ${t.newTable}` : ''].filter(Boolean).join(' ');
  const referencing = refs ? ` REFERENCING ${refs}` : '';
  await sql.raw(`CREATE TRIGGER ${t.name} AFTER ${t.event} ON ${t.table}${referencing} FOR EACH STATEMENT EXECUTE FUNCTION ${t.name}_fn()`).execute(db);
}

/** A null-safe "this column changed" test that both dialects accept. */
export function changed(column: string): string {
  return `old.${column} IS DISTINCT FROM new.${column}`;
}

// ---- Schema pieces the migrations share (SQLite output is exactly what the migrations shipped with) ----

/** Text columns: plain `text` on SQLite; on PostgreSQL with the byte-order "C" collation, so ORDER BY and lower() match SQLite. */
export function textType(db: Kysely<any>): DataTypeExpression {
  return dialectOf(db) === 'sqlite' ? 'text' : sql`text collate "C"`;
}

/** `.addColumn('id', ...autoIdColumn(db))`: an integer key the store assigns (AUTOINCREMENT on SQLite, serial on PostgreSQL). */
export function autoIdColumn(db: Kysely<any>): [DataTypeExpression, ColumnDefinitionBuilderCallback] {
  return dialectOf(db) === 'sqlite' ? ['integer', (c) => c.primaryKey().autoIncrement()] : ['serial', (c) => c.primaryKey()];
}

/**
 * A unique index where `ciColumn` compares case-insensitively (ASCII, like SQLite's NOCASE):
 * `COLLATE NOCASE` on SQLite, `lower(…)` on PostgreSQL.
 */
export async function createCaseInsensitiveUniqueIndex(db: Kysely<any>, name: string, table: string, columns: string[], ciColumn: string): Promise<void> {
  const ci = dialectOf(db) === 'sqlite' ? `${ciColumn} COLLATE NOCASE` : `lower(${ciColumn})`;
  await sql.raw(`CREATE UNIQUE INDEX ${name} ON ${table} (${[...columns, ci].join(', ')})`).execute(db);
}

/**
 * Search by fragment (3+ characters) over name, email and phone digits. SQLite: the FTS5 trigram
 * table member_search (made by migration 0004, kept by triggers). PostgreSQL: one multicolumn
 * pg_trgm GIN index on member (name, email_normalized, phone_digits), which serves
 * `name ILIKE '%x%' OR email_normalized ILIKE '%x%' OR phone_digits LIKE '%x%'` — same rows.
 */
export async function createMemberSearchIndex(db: Kysely<any>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
  await sql`CREATE INDEX member_search_trgm ON member USING gin (name gin_trgm_ops, email_normalized gin_trgm_ops, phone_digits gin_trgm_ops)`.execute(db);
}

/** Case-insensitive LIKE: SQLite's LIKE already is (for ASCII); PostgreSQL needs ILIKE. */
export function likeOperator(db: Kysely<any>): 'like' | 'ilike' {
  return dialectOf(db) === 'sqlite' ? 'like' : 'ilike';
}

/**
 * A unique index refused a row (SQLite SQLITE_CONSTRAINT_UNIQUE, PostgreSQL 23505): on PostgreSQL,
 * another process committed the same row first while this transaction was running.
 */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
