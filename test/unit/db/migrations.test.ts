import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { migrateToLatest, openSecondConnection, openStore, type OpenedSqliteStore, type OpenedStore } from '../../../src/main/db/connect';
import { MIGRATIONS } from '../../../src/main/db/migrations';

const TABLES = ['organization', 'person', 'account', 'role', 'role_permission', 'product_module', 'member', 'member_role', 'member_permission', 'member_account', 'link', 'audit'];

describe('database migrations', () => {
  let dir: string;
  let store: OpenedStore | undefined;

  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(): Promise<OpenedStore> {
    dir = mkdtempSync(join(tmpdir(), 'roster-migrate-'));
    store = await openStore(join(dir, 'roster.sqlite'));
    return store;
  }

  it('brings an empty database file up to the latest migration', async () => {
    const s = await open();
    const applied = s.sqlite!.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as { name: string }[];
    expect(applied.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS).sort());
    const tables = (s.sqlite!.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    for (const t of TABLES) expect(tables).toContain(t);
  });

  it('opens with the pragmas the store relies on', async () => {
    const s = await open();
    expect(s.sqlite!.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.sqlite!.pragma('foreign_keys', { simple: true })).toBe(1);
    // The main connection's commits are synced by the driver after COMMIT, off the event loop
    // (durable-commits.test.ts); the batch worker's connection syncs inside COMMIT.
    expect(s.sqlite!.pragma('synchronous', { simple: true })).toBe(1);
    expect(Number(s.sqlite!.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
    const worker = openSecondConnection((s as OpenedSqliteStore).file);
    try {
      const { rows } = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(worker);
      expect(rows[0]!.synchronous).toBe(2);
    } finally {
      await worker.destroy();
    }
  });

  it('is a no-op when run again, and reopening an existing file keeps its data', async () => {
    const s = await open();
    s.sqlite!.prepare("INSERT INTO organization (name, created_at) VALUES ('Acme', '2024-01-01T00:00:00.000Z')").run();
    const before = s.sqlite!.prepare('SELECT name, timestamp FROM kysely_migration ORDER BY name').all();
    await migrateToLatest(s.db);
    expect(s.sqlite!.prepare('SELECT name, timestamp FROM kysely_migration ORDER BY name').all()).toEqual(before);
    await s.close();
    store = await openStore(join(dir, 'roster.sqlite'));
    expect(store.sqlite!.prepare('SELECT name, timestamp FROM kysely_migration ORDER BY name').all()).toEqual(before);
    expect(store.sqlite!.prepare('SELECT name FROM organization').all()).toEqual([{ name: 'Acme' }]);
  });

  it('enforces one live member per address per organization, case-insensitively by normalized email', async () => {
    const s = await open();
    const now = '2024-01-01T00:00:00.000Z';
    s.sqlite!.prepare("INSERT INTO organization (id, name, created_at) VALUES (1, 'Acme', ?)").run(now);
    const ins = s.sqlite!.prepare(
      "INSERT INTO member (organization_id, email, email_normalized, status, status_changed_at, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
    );
    ins.run('a@b.test', 'a@b.test', 'deleted', now, now, now);
    ins.run('A@b.test', 'a@b.test', 'pending', now, now, now);
    expect(() => ins.run('a@B.test', 'a@b.test', 'pending', now, now, now)).toThrow(/UNIQUE/);
  });
});
