import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestStore } from '../helpers';

/**
 * On SQLite a statement Roster ran before is reused, not prepared again (db/connect.ts). Reuse must
 * never change an answer: each run binds its own values, and a failed statement leaves the next run
 * unharmed.
 */
describe('prepared statements reused', () => {
  let close: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await close?.();
    close = null;
  });

  it('binds each run its own values, and a statement that failed runs again', async () => {
    const { store, remove } = await openTestStore();
    close = remove;
    const query = (n: number) => sql<{ v: number }>`select ${n} + 1 as v`.execute(store.db);
    for (const n of [1, 41, 99]) expect(Number((await query(n)).rows[0]!.v)).toBe(n + 1);
    await expect(sql`insert into account (id) values (${-1})`.execute(store.db)).rejects.toThrow();
    await expect(sql`insert into account (id) values (${-1})`.execute(store.db)).rejects.toThrow();
    expect(Number((await query(7)).rows[0]!.v)).toBe(8);
  });
});
