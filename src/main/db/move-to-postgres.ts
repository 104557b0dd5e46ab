import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type pg from 'pg';
import { pgDriver } from './pg-driver';
import { checkStoreIdentity, DATABASE_FILE, openStore, StoreRefused } from './connect';
import { lockHolder } from '../data-lock';
import { explainConnectError, parseDatabaseUrl, type ParsedDatabaseUrl } from './connect-postgres';
import type { Database } from './database';
import { MIGRATIONS, staticMigrationProvider } from './migrations';
import { checkNothingLeftBehind, type MoveProgress, type TableMoved, copyTable, countRows, KYSELY_TABLES, planTables, resetSequences, setIndexesAside, tablesOf } from './move-tables';

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
 * (The table-by-table copy lives in db/move-tables.ts; what stays here is the one procedure whose
 * steps share the snapshot and the open transaction, so the all-or-nothing reads in one place.)
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

export type { MoveProgress, TableMoved } from './move-tables';

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

export async function testMoveTarget(databaseUrl: string): Promise<ParsedDatabaseUrl> {
  let where: ParsedDatabaseUrl;
  try {
    where = parseDatabaseUrl(databaseUrl);
  } catch (e) {
    throw new MoveRefusedError('target-url', e instanceof Error ? e.message : String(e));
  }
  const client = new (pgDriver().Client)({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000, application_name: 'roster-move' });
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
  const client = new (pgDriver().Client)({ connectionString: opts.databaseUrl, connectionTimeoutMillis: 10_000, application_name: 'roster-move' });
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
    let tables: TableMoved[];
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
      tables = await countRows(source, client, plans);
      const differ = tables.filter((t) => t.source !== t.target);
      if (differ.length > 0)
        throw new MoveRefusedError('counts-differ', `Row counts differ after the copy (${differ.map((t) => `${t.table}: ${t.source} → ${t.target}`).join(', ')}): nothing was moved.`);
      opts.onProgress?.({ step: 'checked', tables });
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    }
    // Committed: the directory is moved. VACUUM sets what the first reads would otherwise write while
    // the admins work (hint bits, the visibility map that lets index-only scans skip the rows, frozen
    // ids), and ANALYZE the planner's statistics: without it the first minute after a move pays for
    // that, then autovacuum's pass over every row. A failure here loses nothing (autovacuum does it later).
    opts.onProgress?.({ step: 'vacuum' });
    // The tables moved only: a database-wide VACUUM warns of each shared catalog it may not touch.
    await client.query(`VACUUM (FREEZE, ANALYZE) ${tables.map((t) => `"${t.table}"`).join(', ')}`).catch(() => {});
    return { source: file, tables };
  } finally {
    source?.close();
    await client.end().catch(() => {});
    removeSnapshot();
    process.off('exit', removeSnapshot);
  }
}
