import { open, type FileHandle } from 'node:fs/promises';

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
  /**
   * The log, kept open between syncs (one thread-pool hop per fsync, not three: under load each hop
   * waits its turn on the event loop). Another connection (a restore) or a failed sync opens it
   * again. Only one sync runs at a time, so it is never closed under a running one.
   */
  private log: { connection: object; file: Promise<FileHandle> } | null = null;

  constructor(
    /**
     * The connection now and its log file (a restore swaps the connection, and the file with it:
     * the old log is deleted when its connection closes, so a handle kept on it would sync nothing).
     */
    private readonly current: () => { connection: object; walFile: string } | null,
    /** Tests hold the fsync to watch the order; otherwise the log itself is synced. */
    private readonly fsyncFile?: (path: string) => Promise<void>,
  ) {}

  /** Resolves once every commit made before the call is on disk. */
  flush(): Promise<void> {
    // A sync already running may have started before this commit was written: the next one covers it.
    if (this.running) {
      const next = () => ((this.queued = null), this.flush());
      return (this.queued ??= this.running.then(next, next));
    }
    const now = this.current();
    if (now === null) return Promise.resolve();
    const run = (this.fsyncFile ? this.fsyncFile(now.walFile) : this.syncLog(now.connection, now.walFile)).finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  /** After the last commit (the store closes): waits for the syncs under way, then lets the log go. */
  async close(): Promise<void> {
    await Promise.allSettled([this.running, this.queued]);
    this.dropLog();
  }

  private dropLog(): void {
    const log = this.log;
    this.log = null;
    void log?.file.then((f) => f.close()).catch(() => undefined);
  }

  private async syncLog(connection: object, path: string): Promise<void> {
    try {
      if (this.log?.connection !== connection) {
        this.dropLog();
        this.log = { connection, file: open(path, 'r+') };
      }
      await (await this.log.file).sync();
    } catch (e) {
      this.dropLog();
      const code = (e as { code?: string }).code;
      // Said the way the store's own errors are (api/errors.ts databaseProblem): a full disk is a full disk.
      const failure = new Error(`The change could not be made durable (fsync of ${path}: ${code ?? String(e)})`) as Error & { code: string };
      failure.code = code === 'ENOSPC' ? 'SQLITE_FULL' : 'SQLITE_IOERR_FSYNC';
      throw failure;
    }
  }
}
