import type SQLite from 'better-sqlite3';
import type pg from 'pg';

/**
 * The table-by-table part of the move to PostgreSQL (db/move-to-postgres.ts): which tables, in
 * which order, copied in chunks with their ids, sequences set past them, indexes set aside during
 * the copy, and the counts compared. Every function runs inside the move's one transaction.
 */

export interface TableMoved {
  table: string;
  source: number;
  target: number;
}

export type MoveProgress =
  | { step: 'snapshot'; file: string }
  | { step: 'migrated'; migrations: number }
  | { step: 'table'; table: string; copied: number; total: number }
  | { step: 'indexing'; indexes: number }
  | { step: 'checked'; tables: TableMoved[] }
  /** Committed; VACUUM (FREEZE, ANALYZE) prepares the copy for fast reads. */
  | { step: 'vacuum' };

export const KYSELY_TABLES = new Set(['kysely_migration', 'kysely_migration_lock']);

/** The SQLite file a --from names: the file itself, or roster.sqlite in a data folder. */
export async function tablesOf(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  return rows.map((r) => r.table_name);
}

export interface TablePlan {
  name: string;
  columns: string[];
  /** Each column's type (format_type), for the arrays the rows travel in. */
  types: string[];
  /** Columns referencing the table itself (account.parent_id): rows pointing forward are fixed up after. */
  selfRefs: string[];
}

/** Every Roster table on the target, parents before children (from the foreign keys). */
export async function planTables(client: pg.ClientBase): Promise<TablePlan[]> {
  const names = (await tablesOf(client)).filter((n) => !KYSELY_TABLES.has(n));
  const cols = await client.query<{ table_name: string; column_name: string; type: string }>(
    `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY c.relname, a.attnum`,
  );
  const fks = await client.query<{ child: string; parent: string; column_name: string }>(
    `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent, a.attname AS column_name
       FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
      WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`,
  );
  const unquote = (s: string) => s.replace(/^"|"$/g, '');
  const parents = new Map(names.map((n) => [n, new Set<string>()]));
  const selfRefs = new Map(names.map((n) => [n, [] as string[]]));
  for (const fk of fks.rows) {
    const child = unquote(fk.child);
    const parent = unquote(fk.parent);
    if (child === parent) selfRefs.get(child)?.push(fk.column_name);
    else parents.get(child)?.add(parent);
  }
  const ordered: string[] = [];
  const visit = (n: string, path: string[]) => {
    if (ordered.includes(n)) return;
    if (path.includes(n)) throw new Error(`Foreign keys form a cycle through ${path.join(' → ')}: the move cannot order the tables`);
    for (const p of parents.get(n) ?? []) visit(p, [...path, n]);
    ordered.push(n);
  };
  for (const n of names) visit(n, []);
  return ordered.map((name) => ({
    name,
    columns: cols.rows.filter((c) => c.table_name === name).map((c) => c.column_name),
    types: cols.rows.filter((c) => c.table_name === name).map((c) => c.type),
    selfRefs: selfRefs.get(name) ?? [],
  }));
}

type Row = Record<string, unknown>;

/** One statement per chunk, one array per column (unnest): a handful of parameters whatever the chunk size. */
export async function insertRows(client: pg.ClientBase, plan: TablePlan, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const arrays = plan.columns.map((c) => rows.map((r) => r[c] ?? null));
  const unnest = plan.types.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
  await client.query(`INSERT INTO "${plan.name}" (${plan.columns.map((c) => `"${c}"`).join(', ')}) SELECT * FROM unnest(${unnest})`, arrays);
}

export async function copyTable(source: SQLite.Database, client: pg.ClientBase, plan: TablePlan, chunkRows: number, onProgress: ((p: MoveProgress) => void) | undefined): Promise<void> {
  const sourceCols = new Set((source.pragma(`table_info("${plan.name}")`) as { name: string }[]).map((c) => c.name));
  const missing = plan.columns.filter((c) => !sourceCols.has(c));
  if (sourceCols.size === 0 || missing.length > 0)
    throw new Error(`The SQLite store and PostgreSQL differ for ${plan.name} (missing ${missing.join(', ') || 'the table'}) after the same migrations`);
  const total = (source.prepare(`SELECT count(*) AS n FROM "${plan.name}"`).get() as { n: number }).n;
  const order = plan.selfRefs.length > 0 ? ' ORDER BY id' : '';
  const select = source.prepare(`SELECT ${plan.columns.map((c) => `"${c}"`).join(', ')} FROM "${plan.name}"${order}`);
  const perChunk = Math.max(1, chunkRows);
  const fixups: { id: unknown; column: string; value: unknown }[] = [];
  let chunk: Row[] = [];
  let copied = 0;
  onProgress?.({ step: 'table', table: plan.name, copied, total });
  for (const raw of select.iterate() as Iterable<Row>) {
    let row = raw;
    for (const col of plan.selfRefs) {
      const value = row[col];
      // Rows come by ascending id: a reference to this id or a later one is not in yet.
      if (value != null && Number(value) >= Number(row.id)) {
        fixups.push({ id: row.id, column: col, value });
        row = { ...row, [col]: null };
      }
    }
    chunk.push(row);
    if (chunk.length >= perChunk) {
      await insertRows(client, plan, chunk);
      copied += chunk.length;
      chunk = [];
      onProgress?.({ step: 'table', table: plan.name, copied, total });
    }
  }
  await insertRows(client, plan, chunk);
  copied += chunk.length;
  for (const f of fixups) await client.query(`UPDATE "${plan.name}" SET "${f.column}" = $1 WHERE id = $2`, [f.value, f.id]);
  if (chunk.length > 0) onProgress?.({ step: 'table', table: plan.name, copied, total });
}

/** Serial ids continue after the highest id ever given (SQLite's AUTOINCREMENT never reuses one). */
export async function resetSequences(source: SQLite.Database, client: pg.ClientBase, plans: TablePlan[]): Promise<void> {
  const hasSeq = source.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").get();
  for (const p of plans.filter((x) => x.columns.includes('id'))) {
    const { rows } = await client.query<{ seq: string | null; max: string | null }>(
      `SELECT pg_get_serial_sequence($1, 'id') AS seq, (SELECT max(id) FROM "${p.name}")::text AS max`,
      [p.name],
    );
    const seq = rows[0]?.seq;
    if (!seq) continue;
    const given = hasSeq ? (source.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').get(p.name) as { seq: number } | undefined)?.seq : undefined;
    const last = Math.max(Number(rows[0]?.max ?? 0), given ?? 0);
    await client.query('SELECT setval($1, $2, $3)', [seq, Math.max(last, 1), last > 0]);
  }
}

/**
 * Indexes no constraint relies on (search, listing and case-insensitive unique indexes): dropped
 * for the copy and built again after it, once per table rather than row by row (the member search
 * index made the member table's copy five times slower). Rebuilding a unique one checks it again.
 */
export async function setIndexesAside(client: pg.ClientBase): Promise<{ name: string; def: string }[]> {
  const { rows } = await client.query<{ name: string; def: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
      WHERE t.relnamespace = current_schema()::regnamespace AND t.relname NOT LIKE 'kysely%'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
  );
  for (const r of rows) await client.query(`DROP INDEX ${r.name}`);
  return rows;
}

/**
 * SQLite's own search aids, derived from the member table and not copied: member_key_block (0018,
 * a bound of the dates per block of ids, which PostgreSQL's search does not use).
 */
const SQLITE_DERIVED_TABLES = ['member_key_block'];

/** Every table of the snapshot must have its place on PostgreSQL (SQLite's search index and aids excepted, rebuilt there by its own index). */
export function checkNothingLeftBehind(source: SQLite.Database, plans: TablePlan[]): void {
  const all = source.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'").all() as { name: string; sql: string | null }[];
  const virtual = all.filter((t) => /^CREATE VIRTUAL TABLE/i.test(t.sql ?? '')).map((t) => t.name);
  const known = new Set([...plans.map((p) => p.name), ...KYSELY_TABLES, ...SQLITE_DERIVED_TABLES]);
  const left = all.map((t) => t.name).filter((n) => !known.has(n) && !virtual.some((v) => n === v || n.startsWith(`${v}_`)));
  if (left.length > 0) throw new Error(`The SQLite store has tables PostgreSQL has no place for (${left.join(', ')}): nothing was moved`);
}

export async function countRows(source: SQLite.Database, client: pg.ClientBase, plans: TablePlan[]): Promise<TableMoved[]> {
  const out: TableMoved[] = [];
  for (const p of plans) {
    const s = (source.prepare(`SELECT count(*) AS n FROM "${p.name}"`).get() as { n: number }).n;
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${p.name}"`);
    out.push({ table: p.name, source: s, target: Number(rows[0]?.n ?? 0) });
  }
  return out;
}

/** The checks of a move's target alone (URL, connection, an empty database of its own), touching nothing. */
