import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type OpenedSqliteStore } from '../../../src/main/db/connect';

let dir: string;
let store: OpenedSqliteStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roster-busy-'));
  store = await openStore(join(dir, 'roster.sqlite'));
  store.sqlite.exec('CREATE TABLE IF NOT EXISTS busy_probe (n INTEGER)');
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Another connection (a backup tool, a stray sqlite3 shell) that holds the write lock for `ms`. */
function holdWriteLock(file: string, ms: number): Promise<Worker> {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const SQLite = require(workerData.module);
     const db = new SQLite(workerData.file);
     db.pragma('busy_timeout = 5000');
     db.exec('BEGIN IMMEDIATE');
     db.prepare('INSERT INTO busy_probe (n) VALUES (1)').run();
     parentPort.postMessage('locked');
     setTimeout(() => { db.exec('COMMIT'); db.close(); parentPort.postMessage('released'); }, workerData.ms);`,
    { eval: true, workerData: { file, ms, module: require.resolve('better-sqlite3') } },
  );
  return new Promise((resolve) => worker.once('message', () => resolve(worker)));
}

describe('SQLITE_BUSY inside write transactions (issue 16, item 4)', () => {
  it('a read-then-write transaction waits for another writer instead of failing with "database is locked"', async () => {
    const worker = await holdWriteLock(join(dir, 'roster.sqlite'), 300);
    const result = await store.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('organization').select('id').execute();
      // The other connection commits while this transaction is open.
      await new Promise((r) => setTimeout(r, 400));
      store.sqlite.prepare('INSERT INTO busy_probe (n) VALUES (2)').run();
      return before.length;
    });
    expect(result).toBe(0);
    expect(store.sqlite.prepare('SELECT n FROM busy_probe ORDER BY n').all()).toEqual([{ n: 1 }, { n: 2 }]);
    await worker.terminate();
  });
});
