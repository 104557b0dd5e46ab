import type { AuthzWatch } from './authz-watch';
import { WRITE_NODES, WRITE_SQL } from './query-kind';
import type { WalSync } from './wal-sync';
import { SqliteDialect, type CompiledQuery, type DatabaseConnection, type Driver, type QueryCompiler, type QueryResult, type SqliteDialectConfig, type TransactionSettings } from 'kysely';

/**
 * The worker thread's batches on the same SQLite file (workers/batch-runner.ts): while one is queued
 * or runs, it holds (or is about to take) the file's write lock.
 */
export interface BatchGate {
  readonly busy: boolean;
  idle(): Promise<void>;
}

function isWrite(query: CompiledQuery): boolean {
  return WRITE_NODES.has(query.query.kind) || WRITE_SQL.test(query.sql);
}

/**
 * The main thread's connection, waiting for the worker's batches without blocking the event loop.
 * better-sqlite3 is synchronous: a write transaction or a lone write that meets the worker's write
 * lock sleeps in SQLite's busy handler, and every request of every admin sleeps with it (up to the
 * busy timeout, then "database is locked"). So before BEGIN, and before a write outside a
 * transaction, a busy gate makes this connection step aside: it is released (reads of other
 * requests go on, from the last commit), the batch is awaited, and it is taken again. This lives in
 * the driver, below every Kysely instance made from the store's (`withPlugin` makes new instances:
 * a wrapper of `db.transaction` on one instance missed the app's).
 */
class GatedConnection implements DatabaseConnection {
  inTransaction = false;
  /** Given back before Kysely releases it: a commit waits for its fsync without holding the connection. */
  released = false;

  constructor(
    public inner: DatabaseConnection,
    private readonly driver: Driver,
    private readonly gate: () => BatchGate | undefined,
    private readonly commits: WalSync | undefined,
    private readonly watch: AuthzWatch | undefined,
  ) {}

  /** After a commit: the connection goes to the next query while this one waits for the log's fsync. */
  async durable(): Promise<void> {
    if (!this.commits) return;
    this.released = true;
    await this.driver.releaseConnection(this.inner);
    await this.commits.flush();
  }

  async stepAsideForBatches(): Promise<void> {
    for (let gate = this.gate(); gate?.busy; gate = this.gate()) {
      await this.driver.releaseConnection(this.inner);
      try {
        await gate.idle();
      } finally {
        this.inner = await this.driver.acquireConnection();
      }
    }
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (!isWrite(query)) return this.inner.executeQuery<R>(query);
    this.watch?.saw(query);
    if (this.inTransaction) return this.inner.executeQuery<R>(query);
    // A write on its own is a transaction of its own: the batch first, its fsync after.
    await this.stepAsideForBatches();
    const result = await this.inner.executeQuery<R>(query);
    await this.durable();
    return result;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class GatedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly gate: () => BatchGate | undefined,
    private readonly commits: WalSync | undefined,
    private readonly watch: AuthzWatch | undefined,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  /**
   * Wrappers given back, reused: Kysely's runtime driver remembers every connection object it was
   * handed (for logging), so a new wrapper per query would be remembered forever.
   */
  private readonly spare: GatedConnection[] = [];

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.inner.acquireConnection();
    const gated = this.spare.pop();
    if (!gated) return new GatedConnection(inner, this.inner, this.gate, this.commits, this.watch);
    gated.inner = inner;
    gated.inTransaction = false;
    gated.released = false;
    return gated;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const gated = connection as GatedConnection;
    await gated.stepAsideForBatches();
    await this.inner.beginTransaction(gated.inner, settings);
    gated.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const gated = connection as GatedConnection;
    try {
      await this.inner.commitTransaction(gated.inner);
    } finally {
      gated.inTransaction = false;
    }
    await gated.durable();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const gated = connection as GatedConnection;
    // Committed, then its fsync failed: the connection is another query's by now, nothing to undo.
    if (gated.released) return;
    try {
      await this.inner.rollbackTransaction(gated.inner);
    } finally {
      gated.inTransaction = false;
    }
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.savepoint!((connection as GatedConnection).inner, name, compile);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.rollbackToSavepoint!((connection as GatedConnection).inner, name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.releaseSavepoint!((connection as GatedConnection).inner, name, compile);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const gated = connection as GatedConnection;
    if (!gated.released) await this.inner.releaseConnection(gated.inner);
    gated.released = true;
    this.spare.push(gated);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/**
 * SQLite's dialect for the main thread's connection: behind the batch gate, and (with `commits`, for
 * a connection at `synchronous = NORMAL`) each commit acknowledged after its fsync (db/wal-sync.ts),
 * and (with `watch`) every write shown to the cached authorizations' watch (db/authz-watch.ts).
 */
export class GatedSqliteDialect extends SqliteDialect {
  constructor(
    config: SqliteDialectConfig,
    private readonly gate: () => BatchGate | undefined,
    private readonly commits?: WalSync,
    private readonly watch?: AuthzWatch,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new GatedDriver(super.createDriver(), this.gate, this.commits, this.watch);
  }
}
