import { accessSync, constants, existsSync, linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asNotWritable, makeFolder, writingTo } from './core/data-folder';
import { DATABASE_FILE } from './db/connect';

/**
 * One process per data folder: two servers on one SQLite store fought over its write lock
 * ("database is locked" long before the busy timeout). The first process to start writes its pid
 * into `roster.lock`, created atomically (hard link of a private file: fails if the lock exists);
 * a lock whose pid is dead is stale and taken over. Both the desktop app and web mode take it.
 * A folder (or store file) Roster cannot write is refused first with DataFolderNotWritable, naming the
 * path and the reason, before anything is written there (core/data-folder.ts).
 */

/** The store's files: each one present must be writable, or the first write would fail later and vaguely. */
const STORE_FILES = [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`];

export const LOCK_FILE = 'roster.lock';

export class DataFolderLocked extends Error {
  constructor(
    readonly pid: number,
    readonly dataDir: string,
  ) {
    super(`Roster is already running on this folder (pid ${pid}): ${dataDir}`);
    this.name = 'DataFolderLocked';
  }
}

export interface DataLock {
  readonly path: string;
  release(): void;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | null {
  try {
    return Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  } catch {
    return null;
  }
}

/** The pid of a live Roster holding this folder's lock, or null; reads only (the move command's check). */
export function lockHolder(dataDir: string): number | null {
  const holder = readPid(join(dataDir, LOCK_FILE));
  return holder !== null && holder !== process.pid && alive(holder) ? holder : null;
}

/** Takes the data folder's lock, or throws DataFolderLocked naming the running process, or DataFolderNotWritable. */
export function lockDataFolder(dataDir: string): DataLock {
  makeFolder(dataDir);
  const path = join(dataDir, LOCK_FILE);
  const mine = join(dataDir, `${LOCK_FILE}.${process.pid}`);
  writingTo(dataDir, () => writeFileSync(mine, `${process.pid}\n`));
  try {
    for (const name of STORE_FILES) {
      const file = join(dataDir, name);
      if (existsSync(file)) writingTo(file, () => accessSync(file, constants.W_OK));
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(mine, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw asNotWritable(dataDir, e);
      }
      const holder = readPid(path);
      if (holder === process.pid) break;
      if (holder !== null && alive(holder)) throw new DataFolderLocked(holder, dataDir);
      // Stale (its process died without removing it): move it aside atomically, then try again.
      try {
        if (readPid(path) === holder) renameSync(path, `${path}.stale`);
      } catch {
        // Another starting process moved it first: try again.
      }
      if (attempt === 4) throw new Error(`The lock ${path} could not be taken: remove it if no Roster runs on this folder.`);
    }
  } finally {
    try {
      unlinkSync(mine);
    } catch {
      // Already gone.
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    if (readPid(path) === process.pid)
      try {
        unlinkSync(path);
      } catch {
        // Already gone.
      }
  };
  process.once('exit', release);
  return { path, release };
}
