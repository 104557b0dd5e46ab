import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { OpenedSqliteStore, OpenedStore } from '../db/connect';
import type { MemberPageRead } from '../db/repos/member-list.repo';
import { searchBounds } from '../db/repos/member-search.repo';
import type { MemberFilter, MemberListQuery } from '../db/repos/members.repo';
import type { ReadRunner } from '../services/deps';
import { callsInFlight, eventLoopBusy } from '../services/in-flight';
import { reviveError } from './errors';
import type { ReadJob, ReadMessage, ReadRequest } from './read-jobs';
import { startWorker } from './script';

/**
 * From how many calls under way in this process (this one included; whatever they wait for: the
 * event loop, a batch in the batch worker, the disk), pages already on the page lane not counted, a
 * Members page is read on the page lane. Alone, a page is read in the event loop (a hop to the
 * worker and back would only add to it); with others under way, the second core reads it while the
 * event loop answers them; pages already on the lane do not count, so pages alone do not pile up
 * there while the event loop is free. Tests set 1 (and warm the lane first) to read every page there,
 * Infinity to read every page in the event loop. laneDepth: while the event loop is busy (more than
 * half of the last ~20 ms), pages go to the lane too, up to this many waiting there (under 50
 * clients the event loop saw one call at a time and read most pages itself, its lane two thirds idle).
 */
export const readBounds = { pagesOffThreadFrom: 2, laneDepth: 8 };

const WARM_RETRY_MS = 30_000;

/** A read the lane's worker did not answer because the worker stopped (crashed, ended, or the runner closed). */
export class ReadWorkerStopped extends Error {
  constructor(reason: Error | string) {
    super(`The read worker stopped (${reason instanceof Error ? reason.message : reason}).`);
    this.name = 'ReadWorkerStopped';
  }
}

type Pending = Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>;

/** One worker thread with its own read-only connection, started at its first read and replaced after it dies. */
class Lane {
  private worker: Worker | null = null;
  /** The reads sent to the current worker and not answered: a worker that stops fails its own, never its successor's. */
  private pending: Pending = new Map();
  private nextId = 1;
  /** Reads sent and not answered: a restore waits for them to end, then has the worker close its connection. */
  running = 0;
  private drained: (() => void) | null = null;
  /** The worker has opened its connection and answered: a read sent now does not wait for a thread to start. */
  ready = false;
  private warming: Promise<void> | null = null;

  get starting(): Promise<void> | null {
    return this.warming;
  }

  /** When a start last failed: the next try waits WARM_RETRY_MS (a busy server would otherwise start a thread at every call). */
  private warmFailedAt = Number.NEGATIVE_INFINITY;

  /** Starts the worker and has it open its connection, once; `ready` after. */
  warm(file: string): Promise<void> {
    if (this.ready || performance.now() - this.warmFailedAt < WARM_RETRY_MS) return Promise.resolve();
    this.warming ??= this.send({ kind: 'open', file }).then(
      () => {
        this.ready = !!this.worker;
        this.warming = null;
      },
      () => {
        this.warmFailedAt = performance.now();
        this.warming = null;
      },
    );
    return this.warming;
  }

  async send(job: ReadJob): Promise<unknown> {
    this.running++;
    try {
      return await this.post(job);
    } finally {
      if (--this.running === 0 && this.drained) {
        this.drained();
        this.drained = null;
      }
    }
  }

  /** Waits for the reads under way, then has the worker close its connection. */
  async release(): Promise<void> {
    if (this.running > 0) await new Promise<void>((r) => (this.drained = r));
    if (this.worker) await this.post({ kind: 'release' });
  }

  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    // The connection is closed on the worker's thread before it ends.
    await this.post({ kind: 'release' }).catch(() => undefined);
    // A worker started meanwhile (the first one died and a read started another) is not this one's to forget.
    if (this.worker === w) {
      this.worker = null;
      this.ready = false;
    }
    await w.terminate();
  }

  /** Ends the worker's thread at once, as a crash would (tests: what the next read does then). */
  async terminate(): Promise<void> {
    await this.worker?.terminate();
  }

  private post(job: ReadJob): Promise<unknown> {
    const worker = this.worker ?? this.start();
    const pending = this.pending;
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, job } satisfies ReadRequest);
    });
  }

  private start(): Worker {
    const pending: Pending = new Map();
    const onMessage = (m: ReadMessage) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.type === 'done') p.resolve(m.result);
      else p.reject(reviveError(m.error));
    };
    const worker = startWorker('read-worker', onMessage, (reason) => {
      if (this.worker === worker) {
        this.worker = null;
        this.ready = false;
      }
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(new ReadWorkerStopped(reason));
      }
    });
    this.worker = worker;
    this.pending = pending;
    return worker;
  }
}

/**
 * Reads that would hold the event loop run in worker threads with read-only connections (WAL: they
 * read the last commit, and a long batch in the batch worker does not delay them), so the event
 * loop keeps answering every admin meanwhile. Two lanes, each a thread: the count of a search's
 * matches (100–500 ms at a million members), and Members pages while other calls are under way (the
 * page, its search and its rows' decorations; a page never waits behind a count). A page the lane
 * did not read because its worker stopped comes back as null, and is read in the event loop
 * (services/members/queries.ts); any other error it threw stands. PostgreSQL has no
 * runner: its pool keeps the event loop free.
 */
export class SqliteReadRunner implements ReadRunner {
  private readonly counts = new Lane();
  private readonly pages = new Lane();
  /** Pages the page lane answered so far (tests check that the lane read them). */
  pagesRead = 0;
  /** Pages handed back unread because the lane's worker stopped (read in the event loop instead). */
  pagesHandedBack = 0;
  /** While a restore swaps the file, new reads wait for it. */
  private paused: Promise<void> | null = null;
  /** Closed with its store: pages are read in the event loop from then on, and no page lane starts again. */
  private closed = false;

  constructor(private readonly file: string) {}

  async countMatching(filter: MemberFilter): Promise<number> {
    return (await this.send(this.counts, { kind: 'count-matching', file: this.file, filter })) as number;
  }

  /**
   * Off the thread only once the lane's worker is up: the first time calls pile up, it is started
   * (a thread, the read worker's code, a connection: tens of milliseconds no page should wait for)
   * and the page is read here meanwhile.
   */
  pagesOffThread(): boolean {
    if (this.closed || !Number.isFinite(readBounds.pagesOffThreadFrom)) return false;
    // A busy event loop (requests waiting in the sockets, not yet counted) sends pages to the lane too,
    // until the lane has more waiting than the event loop would take longer to read itself.
    const loaded = this.pages.running < readBounds.laneDepth && eventLoopBusy();
    if (!loaded && callsInFlight() - this.pages.running < readBounds.pagesOffThreadFrom) return false;
    if (this.pages.ready) return true;
    void this.warmPages();
    return false;
  }

  /** The page lane's start under way, if any (tests wait for it). */
  pageLaneStarting(): Promise<void> | null {
    return this.pages.starting;
  }

  /** Has the page lane's worker start and open its connection (tests, before reading pages there). */
  async warmPages(): Promise<void> {
    while (this.paused) await this.paused;
    if (!this.closed) await this.pages.warm(this.file);
  }

  /** Pages sent to the page lane and not answered yet (tests). */
  pagesOnLane(): number {
    return this.pages.running;
  }

  async memberPage(query: MemberListQuery, rolePermissions: ReadonlyMap<number, readonly string[]> | undefined): Promise<MemberPageRead | null> {
    try {
      const page = (await this.send(this.pages, { kind: 'member-page', file: this.file, query, rolePermissions, bounds: { ...searchBounds } })) as MemberPageRead;
      this.pagesRead++;
      return page;
    } catch (e) {
      if (!(e instanceof ReadWorkerStopped)) throw e;
      this.pagesHandedBack++;
      return null;
    }
  }

  /** Runs `fn` with no read on the file (a restore swaps it in there); reads asked meanwhile wait. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.paused) await this.paused;
    let release!: () => void;
    this.paused = new Promise((r) => (release = r));
    try {
      await Promise.all([this.counts.release(), this.pages.release()]);
      return await fn();
    } finally {
      this.paused = null;
      release();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.counts.close(), this.pages.close()]);
  }

  /** Ends the page lane's thread as a crash would (tests). */
  async terminatePageLane(): Promise<void> {
    await this.pages.terminate();
  }

  private async send(lane: Lane, job: ReadJob): Promise<unknown> {
    while (this.paused) await this.paused;
    // Closed meanwhile (its store closing while this call waited, a restore's pause included): no page lane starts again.
    if (this.closed && lane === this.pages) throw new ReadWorkerStopped('the store closed');
    return lane.send(job);
  }
}

/** The runner for a store: SQLite files get read workers; PostgreSQL and in-memory stores read in the process. */
export function readRunnerFor(store: OpenedStore): SqliteReadRunner | undefined {
  const sqlite = store as Partial<OpenedSqliteStore>;
  if (store.dialect !== 'sqlite' || !sqlite.file || sqlite.file === ':memory:') return undefined;
  const runner = new SqliteReadRunner(sqlite.file);
  sqlite.reads = runner;
  return runner;
}
