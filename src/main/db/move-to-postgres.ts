import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { checkStoreIdentity, DATABASE_FILE, openStore, StoreRefused } from './connect';
import { lockHolder } from '../data-lock';
import { explainConnectError, parseDatabaseUrl, type ParsedDatabaseUrl } from './connect-postgres';
import type { Database } from './database';
import { MIGRATIONS, staticMigrationProvider } from './migrations';

/**
 * Moves a desktop directory (the SQLite store) into an empty PostgreSQL database, in one go
 * (issue 13, item 4). The SQLite file is never written: it is opened read-only once, to take a
 * consistent snapshot with SQLite's backup API into a temporary file, and that snapshot (brought up
 * to this Roster's schema, so an older store moves too) is what is read. On PostgreSQL everything
 * happens in ONE transaction: the migrations, every table copied in dependency order in chunks with
 * its ids kept (row triggers switched off for the copy, so counters, versions and the sync queue are
 * copied as they are rather than recomputed), the sequences set past the highest id, and a row
 * count check of every table. Any failure rolls it all back: the target is left as empty as it was.
 * Refusals (a source that is not a Roster store or is newer, a target holding data or another
 * application's tables, an unreachable server) carry a typed code and touch nothing.
 * (About 400 lines: one procedure whose steps share the snapshot and the open transaction;
 * kept together so the all-or-nothing reads in one place.)
 */

export type MoveRefusal =
  | 'source-missing'
  | 'source-not-roster'
  | 'source-newer'
  | 'source-in-use'
  | 'target-foreign'
  | 'target-newer'
  | 'target-not-empty'
  | 'target-url'
  | 'target-connection'
  | 'counts-differ';

export class MoveRefusedError extends Error {
  constructor(
    readonly refusal: MoveRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'MoveRefusedError';
  }
}

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
  | { step: 'checked'; tables: TableMoved[] };

export interface MoveOptions {
  /** A data folder (holding roster.sqlite) or the SQLite file itself. */
  from: string;
  databaseUrl: string;
  /** Rows per INSERT (default 5,000). */
  chunkRows?: number;
  /**
   * The running app moves its own folder (Settings): it holds the folder's lock and has paused its
   * writes (db/write-hold.ts) before calling, so the lock is not a reason to refuse.
   */
  heldByCaller?: boolean;
  /** Called as the move goes; an exception thrown here aborts the move (rolled back). */
  onProgress?: (p: MoveProgress) => void;
}

export interface MoveResult {
  source: string;
  tables: TableMoved[];
}

const KYSELY_TABLES = new Set(['kysely_migration', 'kysely_migration_lock']);

/** The SQLite file a --from names: the file itself, or roster.sqlite in a data folder. */
export function sourceFileOf(from: string): string {
  const file = existsSync(from) && statSync(from).isDirectory() ? join(from, DATABASE_FILE) : from;
  if (!existsSync(file) || !statSync(file).isFile() || statSync(file).size === 0)
    throw new MoveRefusedError('source-missing', `${file} does not exist or is empty: give the data folder of a Roster desktop (or its ${DATABASE_FILE}).`);
  return file;
}

/** Read-only checks of the source; the identity checks are the ones the app makes before opening. */
function checkSource(file: string, heldByCaller: boolean): void {
  // A Roster still running on the folder would go on writing changes the move leaves behind.
  const running = lockHolder(dirname(file));
  if (running !== null && !(heldByCaller && running === process.pid))
    throw new MoveRefusedError('source-in-use', `Roster is running on ${dirname(file)} (pid ${running}): quit it first, so that no change stays behind in the SQLite file. Nothing was moved.`);
  try {
    checkStoreIdentity(file);
  } catch (e) {
    if (e instanceof StoreRefused) throw new MoveRefusedError(/newer version/.test(e.message) ? 'source-newer' : 'source-not-roster', e.message);
    throw e;
  }
  const probe = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const hasLog = probe.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'").get();
    const first = hasLog ? probe.prepare("SELECT 1 FROM kysely_migration WHERE name = '0001_initial'").get() : undefined;
    if (!first) throw new MoveRefusedError('source-not-roster', `${file} is not a Roster store (no Roster schema in it): nothing was moved.`);
  } finally {
    probe.close();
  }
}

/** A consistent copy of the source in a temporary folder, brought up to this Roster's schema. */
async function snapshot(file: string, dir: string): Promise<SQLite.Database> {
  const copy = join(dir, DATABASE_FILE);
  const src = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    await src.backup(copy);
  } finally {
    src.close();
  }
  const migrated = await openStore(copy);
  await migrated.close();
  return new SQLite(copy, { readonly: true, fileMustExist: true });
}

async function tablesOf(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  return rows.map((r) => r.table_name);
}

/** Refuses a target that is not empty: another application's tables, or a Roster directory with rows. */
async function checkTarget(client: pg.ClientBase, where: ParsedDatabaseUrl): Promise<void> {
  const names = await tablesOf(client);
  if (names.length === 0) return;
  const list = `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`;
  const applied = names.includes('kysely_migration') ? (await client.query<{ name: string }>('SELECT name FROM kysely_migration')).rows.map((r) => r.name) : [];
  if (!applied.includes('0001_initial'))
    throw new MoveRefusedError('target-foreign', `The database "${where.database}" holds another application's tables (${list}): nothing was moved. Give Roster an empty database of its own.`);
  const unknown = applied.filter((n) => !(n in MIGRATIONS));
  if (unknown.length > 0)
    throw new MoveRefusedError('target-newer', `The database "${where.database}" was brought up by a newer Roster (${unknown[0]}): nothing was moved.`);
  for (const t of names.filter((n) => !KYSELY_TABLES.has(n))) {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${t}"`);
    if (Number(rows[0]?.n ?? 0) > 0)
      throw new MoveRefusedError('target-not-empty', `The database "${where.database}" already holds a Roster directory with data (table ${t}): nothing was moved. Move into an empty database.`);
  }
}

/** Kysely over the one client holding the open transaction (the pool hands out that client only). */
function kyselyOn(client: pg.Client): Kysely<Database> {
  const shared = Object.assign(client, { release: () => {} }) as unknown as pg.PoolClient;
  const pool = { connect: async () => shared, end: async () => {} };
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

interface TablePlan {
  name: string;
  columns: string[];
  /** Each column's type (format_type), for the arrays the rows travel in. */
  types: string[];
  /** Columns referencing the table itself (account.parent_id): rows pointing forward are fixed up after. */
  selfRefs: string[];
}

/** Every Roster table on the target, parents before children (from the foreign keys). */
async function planTables(client: pg.ClientBase): Promise<TablePlan[]> {
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
async function insertRows(client: pg.ClientBase, plan: TablePlan, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const arrays = plan.columns.map((c) => rows.map((r) => r[c] ?? null));
  const unnest = plan.types.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
  await client.query(`INSERT INTO "${plan.name}" (${plan.columns.map((c) => `"${c}"`).join(', ')}) SELECT * FROM unnest(${unnest})`, arrays);
}

async function copyTable(source: SQLite.Database, client: pg.ClientBase, plan: TablePlan, chunkRows: number, onProgress: MoveOptions['onProgress']): Promise<void> {
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
async function resetSequences(source: SQLite.Database, client: pg.ClientBase, plans: TablePlan[]): Promise<void> {
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
async function setIndexesAside(client: pg.ClientBase): Promise<{ name: string; def: string }[]> {
  const { rows } = await client.query<{ name: string; def: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
      WHERE t.relnamespace = current_schema()::regnamespace AND t.relname NOT LIKE 'kysely%'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
  );
  for (const r of rows) await client.query(`DROP INDEX ${r.name}`);
  return rows;
}

/** Every table of the snapshot must have its place on PostgreSQL (SQLite's search index excepted, rebuilt there by its own index). */
function checkNothingLeftBehind(source: SQLite.Database, plans: TablePlan[]): void {
  const all = source.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'").all() as { name: string; sql: string | null }[];
  const virtual = all.filter((t) => /^CREATE VIRTUAL TABLE/i.test(t.sql ?? '')).map((t) => t.name);
  const known = new Set([...plans.map((p) => p.name), ...KYSELY_TABLES]);
  const left = all.map((t) => t.name).filter((n) => !known.has(n) && !virtual.some((v) => n === v || n.startsWith(`${v}_`)));
  if (left.length > 0) throw new Error(`The SQLite store has tables PostgreSQL has no place for (${left.join(', ')}): nothing was moved`);
}

async function countRows(source: SQLite.Database, client: pg.ClientBase, plans: TablePlan[]): Promise<TableMoved[]> {
  const out: TableMoved[] = [];
  for (const p of plans) {
    const s = (source.prepare(`SELECT count(*) AS n FROM "${p.name}"`).get() as { n: number }).n;
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${p.name}"`);
    out.push({ table: p.name, source: s, target: Number(rows[0]?.n ?? 0) });
  }
  return out;
}

/** The checks of a move's target alone (URL, connection, an empty database of its own), touching nothing. */
export async function testMoveTarget(databaseUrl: string): Promise<ParsedDatabaseUrl> {
  let where: ParsedDatabaseUrl;
  try {
    where = parseDatabaseUrl(databaseUrl);
  } catch (e) {
    throw new MoveRefusedError('target-url', e instanceof Error ? e.message : String(e));
  }
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000, application_name: 'roster-move' });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw new MoveRefusedError('target-connection', explainConnectError(e, where).message);
  }
  try {
    await checkTarget(client, where);
    return where;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function moveToPostgres(opts: MoveOptions): Promise<MoveResult> {
  const file = sourceFileOf(opts.from);
  checkSource(file, opts.heldByCaller ?? false);
  let where: ParsedDatabaseUrl;
  try {
    where = parseDatabaseUrl(opts.databaseUrl);
  } catch (e) {
    throw new MoveRefusedError('target-url', e instanceof Error ? e.message : String(e));
  }
  const client = new pg.Client({ connectionString: opts.databaseUrl, connectionTimeoutMillis: 10_000, application_name: 'roster-move' });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    const err = explainConnectError(e, where);
    throw new MoveRefusedError('target-connection', err.message);
  }
  // The snapshot holds the whole directory (password hashes too): private (mkdtemp is 0700) and
  // removed however the move ends, an interrupted command included (see the script's signal handler).
  const dir = mkdtempSync(join(tmpdir(), 'roster-move-'));
  const removeSnapshot = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeSnapshot);
  let source: SQLite.Database | null = null;
  try {
    await checkTarget(client, where);
    opts.onProgress?.({ step: 'snapshot', file });
    source = await snapshot(file, dir);
    await client.query('BEGIN');
    try {
      // Nobody else brings this database up meanwhile: the migrator's own advisory lock, held to the end.
      const migrator = new Migrator({ db: kyselyOn(client), provider: staticMigrationProvider, disableTransactions: true });
      const { error, results } = await migrator.migrateToLatest();
      if (error) throw new Error(`The migrations failed on PostgreSQL: ${String(error)}`);
      opts.onProgress?.({ step: 'migrated', migrations: results?.length ?? 0 });
      await checkTarget(client, where);
      const plans = await planTables(client);
      checkNothingLeftBehind(source, plans);
      for (const p of plans) await client.query(`ALTER TABLE "${p.name}" DISABLE TRIGGER USER`);
      const asideIndexes = await setIndexesAside(client);
      for (const p of plans) {
        try {
          await copyTable(source, client, p, opts.chunkRows ?? 5000, opts.onProgress);
        } catch (e) {
          // PostgreSQL's own error names no table (e.g. a NUL character SQLite accepted in a text).
          if (e instanceof Error && 'severity' in e) e.message = `Copying ${p.name} failed: ${e.message}`;
          throw e;
        }
      }
      opts.onProgress?.({ step: 'indexing', indexes: asideIndexes.length });
      for (const i of asideIndexes) await client.query(i.def);
      for (const p of plans) await client.query(`ALTER TABLE "${p.name}" ENABLE TRIGGER USER`);
      await resetSequences(source, client, plans);
      const tables = await countRows(source, client, plans);
      const differ = tables.filter((t) => t.source !== t.target);
      if (differ.length > 0)
        throw new MoveRefusedError('counts-differ', `Row counts differ after the copy (${differ.map((t) => `${t.table}: ${t.source} → ${t.target}`).join(', ')}): nothing was moved.`);
      opts.onProgress?.({ step: 'checked', tables });
      await client.query('COMMIT');
      await client.query('ANALYZE').catch(() => {});
      return { source: file, tables };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    }
  } finally {
    source?.close();
    await client.end().catch(() => {});
    removeSnapshot();
    process.off('exit', removeSnapshot);
  }
}
