import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type SqliteDatabase } from 'kysely';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { GatedSqliteDialect, type BatchGate } from './batch-gate';
import { WalSync } from './wal-sync';
import { AuthzWatch } from './authz-watch';
import { watchLog } from './log-checkpoints';
import type { Database } from './database';
import type { DialectName } from './dialect';
import { MIGRATIONS, staticMigrationProvider } from './migrations';

export const DATABASE_FILE = 'roster.sqlite';

export interface OpenedStore {
  db: Kysely<Database>;
  /** Which store this is: the desktop's SQLite file or a shared PostgreSQL database (team mode). */
  dialect: DialectName;
  /**
   * Where a session's authorization may be cached: a value that changes whenever what it is read
   * from may have (db/authz-watch.ts). Absent on PostgreSQL: other processes write there unseen.
   */
  authzGeneration?: () => string;
  /** The raw SQLite handle, for pragmas, backups and benchmarks' baseline only; null on PostgreSQL. */
  sqlite: SQLite.Database | null;
  close(): Promise<void>;
}

/** Opens (creating if needed) the store and applies the pragmas every connection needs. */
export function openSqlite(file: string): SQLite.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a committed change survives a power cut, which an admin tool owes its audit trail.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

/**
 * The main thread's connection: its commits do not fsync inside COMMIT (which would hold the event
 * loop); the driver acknowledges each one after an fsync of the log off the thread (db/wal-sync.ts).
 */
export function openMainSqlite(file: string): SQLite.Database {
  const sqlite = openSqlite(file);
  // Pages kept between requests: SQLite's default 2 MB held too little of a 100,000-member store's
  // indexes under 50 admins (list, search and panel reads kept going back to the OS for pages).
  sqlite.pragma('cache_size = -32768');
  if (file !== ':memory:') {
    sqlite.pragma('synchronous = NORMAL');
    // Nor does it checkpoint inside a COMMIT: db/log-checkpoints.ts copies the log off the event loop.
    sqlite.pragma('wal_autocheckpoint = 0');
  }
  return sqlite;
}

export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: staticMigrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(
      `The database could not be brought up to date (migration ${failed?.migrationName ?? '?'}): ${String(error)}`,
    );
  }
}

/** "RSTR" in the SQLite header: this file is a Roster store. */
export const APPLICATION_ID = 0x52535452;

function schemaNumber(migrationName: string): number {
  return Number.parseInt(migrationName.slice(0, 4), 10) || 0;
}

/** The highest migration this version knows, kept in the header's user_version. */
export const SCHEMA_VERSION = Math.max(...Object.keys(MIGRATIONS).map(schemaNumber));

/** A file Roster refuses to open as its store, and leaves untouched. */
export class StoreRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreRefused';
  }
}

/**
 * Before anything writes to an existing file (journal mode, migrations), checks read-only that it is
 * a Roster store this version can read: another application's SQLite file, or a store made by a
 * newer Roster, is refused with a sentence saying so, and not modified.
 */
export function checkStoreIdentity(file: string): { upToDate: boolean } {
  if (file === ':memory:' || !existsSync(file) || statSync(file).size === 0) return { upToDate: false };
  let probe: SQLite.Database;
  try {
    probe = new SQLite(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new StoreRefused(`${file} cannot be opened: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    let tables: string[];
    try {
      tables = (probe.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    } catch {
      throw new StoreRefused(`${file} is not a Roster store (not an SQLite database at all): Roster left it untouched. Move it away or choose another data folder.`);
    }
    const applicationId = probe.pragma('application_id', { simple: true }) as number;
    const ours = applicationId === APPLICATION_ID || (applicationId === 0 && (tables.length === 0 || tables.includes('kysely_migration')));
    if (!ours)
      throw new StoreRefused(`${file} is not a Roster store (another application's database): Roster left it untouched. Move it away or choose another data folder.`);
    const applied = tables.includes('kysely_migration') ? (probe.prepare('SELECT name FROM kysely_migration').all() as { name: string }[]).map((r) => r.name) : [];
    const unknown = applied.filter((n) => !(n in MIGRATIONS));
    const userVersion = probe.pragma('user_version', { simple: true }) as number;
    const newest = Math.max(userVersion, ...unknown.map(schemaNumber));
    if (unknown.length > 0 || userVersion > SCHEMA_VERSION)
      throw new StoreRefused(`${file} was made by a newer version of Roster (schema ${newest}); this one reads up to schema ${SCHEMA_VERSION}. Update Roster.`);
    // Every migration applied and the header stamped: the start skips the migrator and the header
    // write (a synchronous=FULL commit), which every later start of an up-to-date store repeated.
    const done = new Set(applied);
    return { upToDate: applicationId === APPLICATION_ID && userVersion === SCHEMA_VERSION && Object.keys(MIGRATIONS).every((n) => done.has(n)) };
  } finally {
    probe.close();
  }
}

/**
 * Write transactions start with BEGIN IMMEDIATE: the write lock is taken (waiting up to the busy
 * timeout) before the first read, so a transaction never reads a snapshot that another writer then
 * makes stale; a deferred BEGIN failed at its first write with SQLITE_BUSY at once, long before the
 * busy timeout (issue 16, item 4). Roster's own transactions are short and write almost always.
 */
export function immediateTransactions(handle: SwappableSqlite): SqliteDatabase {
  return {
    close: () => handle.current.close(),
    prepare: (query: string) => preparedOnce(handle.current, /^\s*begin\s*;?\s*$/i.test(query) ? 'begin immediate' : query),
  };
}

/** Prepared statements kept per connection, by SQL text (the newest STATEMENT_CACHE of them). */
const statements = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();
const STATEMENT_CACHE = 500;

/**
 * A query Roster ran before is not prepared again: Kysely prepares every statement it runs, which
 * cost more than running it for a page of members (issue 17, item 5). A streamed query (iterate)
 * gets a statement of its own, so a statement is never busy when it is run again. A restore swaps
 * the connection, and with it the cache.
 */
function preparedOnce(sqlite: SQLite.Database, query: string): ReturnType<SqliteDatabase['prepare']> {
  let cache = statements.get(sqlite);
  if (!cache) statements.set(sqlite, (cache = new Map()));
  let stmt = cache.get(query);
  if (stmt) {
    // Most recently used last: the oldest is the one dropped when the cache is full.
    cache.delete(query);
  } else {
    stmt = sqlite.prepare(query);
    if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
  }
  cache.set(query, stmt);
  const cached = stmt;
  return {
    reader: cached.reader,
    all: (parameters: ReadonlyArray<unknown>) => cached.all(parameters),
    run: (parameters: ReadonlyArray<unknown>) => cached.run(parameters),
    iterate: (parameters: ReadonlyArray<unknown>) => sqlite.prepare(query).iterate(parameters),
  };
}

/**
 * The SQLite handle behind the Kysely instance, swappable while the process runs: a restore
 * (db/backup.ts) closes the file, puts the restored one in its place and reopens it without
 * rebuilding the services that hold `db`.
 */
export interface SwappableSqlite {
  current: SQLite.Database;
}

export interface OpenedSqliteStore extends OpenedStore {
  dialect: 'sqlite';
  sqlite: SQLite.Database;
  file: string;
  handle: SwappableSqlite;
  /** The worker thread's batches on this file (workers/batch-runner.ts): a restore swaps the file between two of them. */
  batches?: BatchGate & { exclusive<T>(fn: () => Promise<T>): Promise<T>; checkpoint(file: string): Promise<boolean>; holdTidy?(): () => void };
  /** The read worker's counts on this file (workers/read-runner.ts): a restore swaps the file while none runs. */
  reads?: { exclusive<T>(fn: () => Promise<T>): Promise<T> };
}

export interface OpenStoreOptions {
  /** How the main connection's log is fsynced before a commit is acknowledged (tests hold it to watch the order). */
  fsyncFile?: (path: string) => Promise<void>;
}

export async function openStore(file: string, options: OpenStoreOptions = {}): Promise<OpenedSqliteStore> {
  const { upToDate } = checkStoreIdentity(file);
  const handle: SwappableSqlite = { current: openMainSqlite(file) };
  // The worker's batches are attached to the store after it opens (workers/batch-runner.ts).
  let batches: () => BatchGate | undefined = () => undefined;
  const commits = file === ':memory:' ? undefined : new WalSync(() => ({ connection: handle.current, walFile: `${handle.current.name}-wal` }), options.fsyncFile);
  const watch = new AuthzWatch(() => handle.current);
  const db = new Kysely<Database>({ dialect: new GatedSqliteDialect({ database: immediateTransactions(handle) }, () => batches(), commits, watch) });
  if (!upToDate) {
    await migrateToLatest(db);
    markRosterStore(handle.current);
  }
  const store: OpenedSqliteStore = {
    db,
    dialect: 'sqlite',
    get sqlite() {
      return handle.current;
    },
    file,
    handle,
    authzGeneration: () => watch.generation(),
    close: async () => {
      stopWatchingLog();
      await db.destroy();
      await commits?.close();
    },
  };
  batches = () => store.batches;
  const stopWatchingLog = file === ':memory:' ? () => undefined : watchLog(file, () => handle.current, () => (store.batches ? (f) => store.batches!.checkpoint(f) : undefined));
  return store;
}

/** Stamps the header: application_id says "a Roster store", user_version the schema it is at. */
export function markRosterStore(sqlite: SQLite.Database): void {
  sqlite.pragma(`application_id = ${APPLICATION_ID}`);
  sqlite.pragma(`user_version = ${SCHEMA_VERSION}`);
}

/**
 * A connection that only reads, for the read worker thread (workers/read-runner.ts): a count over a
 * million members runs there instead of holding the event loop. WAL: it reads the last commit and
 * never waits for a writer; `query_only` makes a write through it fail instead of taking the lock.
 */
export function openReadConnection(file: string): Kysely<Database> {
  const sqlite = new SQLite(file, { fileMustExist: true });
  sqlite.pragma('query_only = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: immediateTransactions({ current: sqlite }) }) });
}

/**
 * A second connection to an open store's file, for the batch worker thread: the same pragmas,
 * BEGIN IMMEDIATE and busy timeout; no migration (the main thread ran them). The caller destroys it.
 */
export function openSecondConnection(file: string): Kysely<Database> {
  const handle: SwappableSqlite = { current: openSqlite(file) };
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: immediateTransactions(handle) }) });
}
