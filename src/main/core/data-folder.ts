import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * A data folder Roster cannot write (issue 16, also: "a read-only data folder: say which path and
 * why"). Before, a read-only folder ended in "Roster could not start: EROFS: read-only file system,
 * open '…/roster.lock.1234'". Now the start says which path, why in words, and what to do, and
 * exits before writing anything. The reasons are a table (tested in
 * test/unit/hardening/electron-data-folder.test.ts); only makeFolder touches the disk.
 */

/** errno code → the reason in words. A code not listed is not a folder problem and is thrown as it is. */
export const NOT_WRITABLE_REASONS: Readonly<Record<string, string>> = Object.freeze({
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENOTDIR: 'part of the path is a file, not a folder',
  EEXIST: 'a file of that name is in the way, not a folder',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'the path loops through symbolic links',
  EISDIR: 'a folder is where Roster keeps a file',
});

export class DataFolderNotWritable extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly code: string,
  ) {
    super(`Roster cannot write to ${path}: ${reason}`);
    this.name = 'DataFolderNotWritable';
  }
}

/** The reason for an fs error, or null when it is not about writing the folder. */
export function notWritableReason(error: unknown): { code: string; reason: string } | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !(code in NOT_WRITABLE_REASONS)) return null;
  return { code, reason: NOT_WRITABLE_REASONS[code]! };
}

/** An fs error met while writing `path`, as DataFolderNotWritable when it is one of the reasons above. */
export function asNotWritable(path: string, error: unknown): unknown {
  const why = notWritableReason(error);
  return why ? new DataFolderNotWritable(path, why.reason, why.code) : error;
}

/** Wraps a folder-writing step: its fs error becomes DataFolderNotWritable naming `path`. */
export function writingTo<T>(path: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    throw asNotWritable(path, e);
  }
}

/**
 * Creates the folder (and missing parents), or throws DataFolderNotWritable naming it. A recursive
 * mkdir on a read-only file system answers ENOENT, hiding the cause; the first missing level is then
 * created alone to get the real reason (EROFS, EACCES…), which creates nothing when it fails.
 */
export function makeFolder(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw asNotWritable(path, e);
  }
  let missing = resolve(path);
  while (!existsSync(dirname(missing)) && dirname(missing) !== missing) missing = dirname(missing);
  writingTo(path, () => mkdirSync(missing));
  writingTo(path, () => mkdirSync(path, { recursive: true }));
}

/**
 * What the user reads: which path, why, what to do. `choose` is how this mode picks the folder
 * (`--data-dir` in web mode, the ROSTER_DATA_DIR variable for the desktop app).
 */
export function notWritableMessage(e: DataFolderNotWritable, choose: string): string {
  return `Roster cannot write to ${e.path}: ${e.reason}; choose another folder with ${choose} or fix its permissions.`;
}
