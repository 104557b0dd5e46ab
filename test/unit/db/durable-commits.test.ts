import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStore, type OpenedSqliteStore } from '../../../src/main/db/connect';
import { readInstallSetting, writeInstallSetting } from '../../../src/main/db/repos/settings.repo';
import { checkpointLog } from '../../../src/main/db/log-checkpoints';
import { WalSync } from '../../../src/main/db/wal-sync';
import { TEST_STORE } from '../helpers';

/** An fsync that waits until the test lets it finish, recording which file it was asked for. */
function heldFsync(holding = true) {
  const asked: string[] = [];
  const waiting: (() => void)[] = [];
  return {
    asked,
    hold: () => void (holding = true),
    fsync: (path: string) => new Promise<void>((done) => (asked.push(path), holding ? waiting.push(done) : done())),
    finishAll: () => waiting.splice(0).forEach((done) => done()),
    get pending() {
      return waiting.length;
    },
  };
}

/** A connection, as far as the sync is concerned. */
const store0 = {};

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('the fsync that acknowledges commits', () => {
  it('one fsync runs at a time; commits made while it runs share the next one; a failure reaches its callers and the next flush tries again', async () => {
    const disk = heldFsync();
    const sync = new WalSync(() => ({ connection: store0, walFile: '/data/roster.sqlite-wal' }), disk.fsync);
    const done: string[] = [];
    const first = sync.flush().then(() => done.push('first'));
    const second = sync.flush().then(() => done.push('second'));
    const third = sync.flush().then(() => done.push('third'));
    await settle();
    expect(disk.pending).toBe(1);
    disk.finishAll();
    await first;
    expect(done).toEqual(['first']);
    await settle();
    // The two that came while the first ran: one more fsync for both.
    expect(disk.asked).toHaveLength(2);
    disk.finishAll();
    await Promise.all([second, third]);
    expect(done.sort()).toEqual(['first', 'second', 'third']);

    let fail = true;
    const flaky = new WalSync(() => ({ connection: store0, walFile: '/data/roster.sqlite-wal' }), async () => {
      if (fail) throw Object.assign(new Error('disk gone'), { code: 'SQLITE_IOERR_FSYNC' });
    });
    await expect(flaky.flush()).rejects.toThrow('disk gone');
    fail = false;
    await expect(flaky.flush()).resolves.toBeUndefined();
  });
});

// The main connection's log and its fsync exist only for a SQLite file (PostgreSQL makes its own commits durable).
describe.runIf(TEST_STORE === 'sqlite')('a commit on the SQLite file', () => {
  let dir: string;
  let store: OpenedSqliteStore | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it('is acknowledged only after the fsync of its log, and reads go on meanwhile', async () => {
    dir = mkdtempSync(join(tmpdir(), 'roster-durable-'));
    // The store's own set-up (its migrations) goes through; then the disk is held.
    const disk = heldFsync(false);
    const file = join(dir, 'roster.sqlite');
    store = await openStore(file, { fsyncFile: disk.fsync });
    disk.hold();
    let acknowledged = false;
    const write = writeInstallSetting(store.db, 'durable-test', 'one').then(() => (acknowledged = true));
    await settle();
    expect(disk.asked.at(-1)).toBe(`${file}-wal`);
    expect(acknowledged).toBe(false);
    // Another request's read is not held by the fsync, and sees the commit (it is in the log).
    expect(await readInstallSetting(store.db, 'durable-test')).toBe('one');
    const inTransaction = store.db.transaction().execute((trx) => writeInstallSetting(trx, 'durable-test', 'two'));
    await settle();
    expect(acknowledged).toBe(false);
    disk.finishAll();
    await write;
    expect(acknowledged).toBe(true);
    await settle();
    // The transaction committed while the first fsync ran: it waits for the next one.
    disk.finishAll();
    await inTransaction;
    expect(await readInstallSetting(store.db, 'durable-test')).toBe('two');
  });
});

// The log and its checkpoints exist only for a SQLite file.
describe.runIf(TEST_STORE === 'sqlite')('the write-ahead log after a large write', () => {
  it('is copied into the database file off the main connection, which never checkpoints inside a commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-log-'));
    const file = join(dir, 'roster.sqlite');
    const store = await openStore(file);
    try {
      expect(store.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      const handed: string[] = [];
      let framesLeftAfter: boolean | null = null;
      store.batches = {
        busy: false,
        idle: async () => undefined,
        exclusive: (fn) => fn(),
        checkpoint: async (f) => {
          handed.push(f);
          framesLeftAfter = checkpointLog(f);
          return framesLeftAfter;
        },
      };
      // About 6 MB of log: past the 4 MB a checkpoint waits for.
      const big = 'x'.repeat(3000);
      await store.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 2000; i++) await writeInstallSetting(trx, `bulk-${i}`, big);
      });
      await vi.waitFor(() => expect(handed).toEqual([file]), { timeout: 10_000, interval: 100 });
      expect(framesLeftAfter).toBe(false);
      expect(await readInstallSetting(store.db, 'bulk-1999')).toBe(big);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
