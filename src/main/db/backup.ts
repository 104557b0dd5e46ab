import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { randomBytes } from 'node:crypto';
import { constants, copyFileSync, existsSync, linkSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { APPLICATION_ID, checkStoreIdentity, immediateTransactions, markRosterStore, migrateToLatest, openMainSqlite, openSqlite, StoreRefused, type OpenedSqliteStore } from './connect';
import type { Database } from './database';

/**
 * Backup and restore of the SQLite store while Roster runs.
 *
 * Backup: SQLite's online backup API (better-sqlite3 `backup`) copies a consistent snapshot while
 * other requests keep reading and writing; the copy is written under a `.partial` name, checked
 * (integrity_check) and only then renamed to the chosen name, so a crash never leaves a half file
 * that looks like a backup.
 *
 * Restore: the file is checked read-only first (a Roster store, of a schema this Roster reads,
 * integrity ok) and refused touching nothing otherwise. It is then copied next to the store (same
 * folder, so renames are atomic), brought up to this version's schema, and swapped in while the
 * store's only connection is held: the current file is closed (checkpointing its WAL), renamed
 * to `roster.sqlite.before-restore-<time>`, and the restored copy renamed into its place and
 * reopened. Requests waiting for the connection then read the restored store.
 */

function integrityOf(file: string): string {
  const probe = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const rows = probe.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    probe.close();
  }
}

/**
 * The copy inherits the store's WAL mode; a backup is one self-contained file, so it is switched
 * to a rollback journal (no -wal/-shm beside it) and checked.
 */
function sealBackup(file: string): string {
  const copy = new SQLite(file, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    return (copy.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  } finally {
    copy.close();
  }
}

/**
 * Read-only: refuses anything that is not a whole, readable Roster store. Returns its schema.
 * Its messages name the file only, never its folder (they reach the admin's browser in web mode).
 */
export function checkBackupFile(file: string): { schema: number } {
  const name = basename(file);
  if (!existsSync(file) || !statSync(file).isFile()) throw new StoreRefused(`No backup named ${name}.`);
  if (statSync(file).size === 0) throw new StoreRefused(`${name} is empty: it is not a Roster backup.`);
  checkStoreIdentity(file);
  const probe = new SQLite(file, { readonly: true, fileMustExist: true });
  let schema: number;
  try {
    const tables = (probe.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    const applicationId = probe.pragma('application_id', { simple: true }) as number;
    if (!tables.includes('kysely_migration') || (applicationId !== APPLICATION_ID && applicationId !== 0))
      throw new StoreRefused(`${name} is not a Roster store: Roster left it untouched.`);
    schema = probe.pragma('user_version', { simple: true }) as number;
  } finally {
    probe.close();
  }
  const integrity = integrityOf(file);
  if (integrity !== 'ok') throw new StoreRefused(`${name} is damaged (integrity check: ${integrity.slice(0, 200)}): Roster left it untouched.`);
  return { schema };
}

/** A backup of that name is already there: a backup never replaces another. */
export class BackupExists extends Error {
  constructor(readonly file: string) {
    super(`A backup named ${basename(file)} already exists.`);
    this.name = 'BackupExists';
  }
}

/**
 * A consistent copy of the running store at `dest`, never replacing a file of that name: the copy is
 * linked into place (link fails if the name is taken, with no window between check and write, even
 * for two backups of one name at once) and its partial name, unique to this call, removed.
 */
export async function backupStore(store: OpenedSqliteStore, dest: string): Promise<{ file: string; bytes: number }> {
  if (existsSync(dest)) throw new BackupExists(dest);
  const partial = `${dest}.${randomBytes(6).toString('hex')}.partial`;
  // The search index tidy's commits would restart the copy again and again (workers/batch-runner.ts).
  const releaseTidy = store.batches?.holdTidy?.();
  try {
    await store.sqlite.backup(partial);
    const integrity = sealBackup(partial);
    if (integrity !== 'ok') throw new Error(`The backup copy failed its integrity check: ${integrity.slice(0, 200)}`);
    try {
      linkSync(partial, dest);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new BackupExists(dest);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw e;
      // A file system without hard links: copied, still never over an existing file.
      try {
        copyFileSync(partial, dest, constants.COPYFILE_EXCL);
      } catch (c) {
        if ((c as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupExists(dest);
        throw c;
      }
    }
  } finally {
    rmSync(partial, { force: true });
    releaseTidy?.();
  }
  return { file: dest, bytes: statSync(dest).size };
}

function timeStamp(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

/**
 * What a restore carries from the running store into the restored one (sessions, the guess limiter's
 * counters, spent one-time links and codes, the outbox's outcomes): run while the store's connection
 * is held, after the last call on the running store and before the first on the restored one. `from`
 * reads the running store, `to` writes the restored copy (in one transaction). A failure leaves the
 * running store in place. What it answers (what the restore winds back) is the restore's `carried`.
 */
export type RestoreCarry<T = void> = (from: Kysely<Database>, to: Kysely<Database>) => Promise<T>;

/** A Kysely on a raw handle, for a restore's carry; never destroyed (the handle's owner closes it). */
function onHandle(sqlite: SQLite.Database): Kysely<Database> {
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: immediateTransactions({ current: sqlite }) }) });
}

/** Replaces the running store with the backup at `from`; the previous file is kept aside. */
export async function restoreStore<T = void>(store: OpenedSqliteStore, from: string, now: Date, carry?: RestoreCarry<T>): Promise<{ keptAside: string; carried: T | undefined }> {
  checkBackupFile(from);
  const staged = `${store.file}.restoring`;
  rmSync(staged, { force: true });
  try {
    const source = new SQLite(from, { readonly: true, fileMustExist: true });
    try {
      await source.backup(staged);
    } finally {
      source.close();
    }
    // An older backup is brought up to this version's schema before it is swapped in.
    const handle = { current: openSqlite(staged) };
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: immediateTransactions(handle) }) });
    try {
      await migrateToLatest(db);
      markRosterStore(handle.current);
    } finally {
      await db.destroy();
    }
  } catch (e) {
    rmSync(staged, { force: true });
    throw e;
  }
  const keptAside = `${store.file}.before-restore-${timeStamp(now)}`;
  let carried: T | undefined;
  // Holding the connection: no query runs between the close and the reopen; no worker batch either.
  const swap = () => store.db.connection().execute(async () => {
    if (carry) {
      const target = openSqlite(staged);
      try {
        carried = await carry(onHandle(store.handle.current), onHandle(target));
      } catch (e) {
        target.close();
        rmSync(staged, { force: true });
        throw e;
      }
      target.close();
    }
    store.handle.current.close();
    renameSync(store.file, keptAside);
    try {
      renameSync(staged, store.file);
    } catch (e) {
      renameSync(keptAside, store.file);
      store.handle.current = openMainSqlite(store.file);
      throw e;
    }
    store.handle.current = openMainSqlite(store.file);
  });
  const withoutReads = () => (store.reads ? store.reads.exclusive(swap) : swap());
  await (store.batches ? store.batches.exclusive(withoutReads) : withoutReads());
  return { keptAside, carried };
}
