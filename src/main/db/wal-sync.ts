import { open } from 'node:fs/promises';

/**
 * Makes the main thread's commits durable without holding the event loop (issue 16/17: 50 admins
 * at once). With `synchronous = FULL` SQLite fsyncs the write-ahead log inside COMMIT, and
 * better-sqlite3 runs COMMIT on the main thread: every edit held every other request for the length
 * of an fsync (about 1–2 ms here, far more on a slow disk). The main connection now commits with
 * `synchronous = NORMAL` (the log is written, not synced) and the commit is acknowledged only after
 * this fsync of the log on libuv's thread pool: the same guarantee (a change acknowledged is on disk,
 * a power cut loses none), the wait spent off the event loop. One fsync covers every commit written
 * before it starts, so commits that arrive together share one.
 */
export class WalSync {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(
    /** The log file of the connection now (a restore swaps the connection, and the file with it). */
    private readonly walFile: () => string | null,
    private readonly fsyncFile: (path: string) => Promise<void> = fsyncPath,
  ) {}

  /** Resolves once every commit made before the call is on disk. */
  flush(): Promise<void> {
    // A sync already running may have started before this commit was written: the next one covers it.
    if (this.running) {
      const next = () => ((this.queued = null), this.flush());
      return (this.queued ??= this.running.then(next, next));
    }
    const path = this.walFile();
    if (path === null) return Promise.resolve();
    const run = this.fsyncFile(path).finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }
}

async function fsyncPath(path: string): Promise<void> {
  try {
    const file = await open(path, 'r+');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    // Said the way the store's own errors are (api/errors.ts databaseProblem): a full disk is a full disk.
    const failure = new Error(`The change could not be made durable (fsync of ${path}: ${code ?? String(e)})`) as Error & { code: string };
    failure.code = code === 'ENOSPC' ? 'SQLITE_FULL' : 'SQLITE_IOERR_FSYNC';
    throw failure;
  }
}
