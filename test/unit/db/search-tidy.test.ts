import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { WriteHold } from '../../../src/main/db/write-hold';
import { join } from 'node:path';
import { openReadConnection, type OpenedSqliteStore } from '../../../src/main/db/connect';
import { BACKUP_DIR, createBackup } from '../../../src/main/services/backup';
import { checkSearchIndex, mergeSearchIndexStep, searchIndexSegments } from '../../../src/main/db/repos/search-index.repo';
import { TIDY_PAGES, TIDY_SEGMENTS, tidyBounds, watchSearchIndex } from '../../../src/main/db/search-tidy';
import type { SqliteBatchRunner } from '../../../src/main/workers/batch-runner';
import { createEnv, registerOwner, roleId, TEST_STORE, type Caller, type TestEnv } from '../helpers';

// The search index tidy (db/search-tidy.ts): member_search's FTS5 segments merged back into one,
// a step per job on the batch worker. SQLite only, with reason: PostgreSQL's trigram GIN index has
// no segments to merge (and there is no batch worker there); search.test.ts runs the searches on both.

let env: TestEnv | undefined;
afterEach(async () => {
  tidyBounds.pages = TIDY_PAGES;
  env?.services.backup?.stop();
  await (env?.services.deps.batches as SqliteBatchRunner | undefined)?.close();
  await env?.close();
  env = undefined;
});

const FRAGMENTS = ['zqxj', 'quartz7@', 'quartz', 'example.org', 'Garnet 1', 'son 3', '555 01'];

/** What an admin sees for each fragment: the ids listed and the count of every match. */
async function searches(owner: Caller): Promise<Record<string, { ids: number[]; count: number }>> {
  const seen: Record<string, { ids: number[]; count: number }> = {};
  for (const search of FRAGMENTS) {
    const ids = (await owner.members.list({ search, limit: 100 })).items.map((m) => m.id).sort((a, b) => a - b);
    seen[search] = { ids, count: (await owner.members.countMatching({ search })).count };
  }
  return seen;
}

/** A directory written the way admins write it: many small transactions, each a segment of the index. */
async function fragmented(): Promise<{ owner: Caller; runner: SqliteBatchRunner; ids: number[] }> {
  env = await createEnv();
  const { caller: owner } = await registerOwner(env);
  const member = await roleId(owner, 'Member');
  const ids: number[] = [];
  for (let t = 0; t < 20; t++) {
    const entries = Array.from({ length: 50 }, (_, i) => ({ email: `quartz${t * 50 + i}@example.org`, name: `Person ${t * 50 + i}`, phone: `+1 415 555 ${String(t * 50 + i).padStart(4, '0')}` }));
    const r = await owner.members.invite({ entries, grants: { roleIds: [member] } });
    ids.push(...r.invited.map((x) => x.memberId));
  }
  for (let k = 0; k < 12; k++) await owner.members.edit({ id: ids[k * 5]!, name: `Garnet ${k}` });
  return { owner, runner: env.services.deps.batches as SqliteBatchRunner, ids };
}

describe.skipIf(TEST_STORE === 'postgres')('the search index tidy (SQLite)', () => {
  it('merges a fragmented index into one segment; every search finds the same members; FTS5 finds it intact', async () => {
    const { owner, runner } = await fragmented();
    const db = env!.store.db;
    const before = await searchIndexSegments(db);
    expect(before).toBeGreaterThanOrEqual(8);
    // The structure record's count is the segments FTS5 keeps pages of.
    const segmentsWithPages = () => (env!.store.sqlite!.prepare('SELECT count(DISTINCT segid) AS n FROM member_search_idx').get() as { n: number }).n;
    expect(segmentsWithPages()).toBe(before);
    const seen = await searches(owner);
    // The fragments cover none, one and many members.
    expect(seen['zqxj']!.count).toBe(0);
    expect(seen['quartz7@']!.count).toBe(1);
    expect(seen['quartz']!.count).toBe(1000);
    expect(seen['Garnet 1']!.count).toBe(3);

    await runner.tidySearch();
    expect(await searchIndexSegments(db)).toBe(1);
    expect(segmentsWithPages()).toBe(1);
    await checkSearchIndex(db);
    expect(await searches(owner)).toEqual(seen);
  });

  it('an edit made while the tidy runs waits for one step only, lands, and is found afterwards', async () => {
    const { owner, runner, ids } = await fragmented();
    const db = env!.store.db;
    const before = await searchIndexSegments(db);
    const seen = await searches(owner);
    tidyBounds.pages = 1;
    let finished = false;
    const tidy = runner.tidySearch().then(() => (finished = true));
    // The tidy's first steps are under way (a step is queued or in the worker) ...
    while ((runner.tidySteps < 2 || !runner.busy) && !finished) await delay(1);
    expect(finished, 'the tidy ended before a step of it was seen under way').toBe(false);
    // ... and the edit waits for that step, not for the whole tidy.
    await owner.members.edit({ id: ids[1]!, name: 'Obsidian Vale' });
    expect(finished).toBe(false);
    await tidy;
    expect(runner.tidySteps).toBeGreaterThan(3);
    await checkSearchIndex(db);
    // The edit's segment came after the merge began: at most it and the merged one are left.
    const after = await searchIndexSegments(db);
    expect(after).toBeLessThanOrEqual(2);
    expect(after).toBeLessThan(before);
    const found = await owner.members.list({ search: 'obsidian', limit: 10 });
    expect(found.items.map((m) => m.id)).toEqual([ids[1]]);
    const now = await searches(owner);
    expect(now['quartz']).toEqual(seen['quartz']);
    expect(now['zqxj']).toEqual(seen['zqxj']);
  });

  it('stops at once on an index that is tidy already', async () => {
    const { runner } = await fragmented();
    const db = env!.store.db;
    await runner.tidySearch();
    expect(await searchIndexSegments(db)).toBe(1);
    const steps = runner.tidySteps;
    await runner.tidySearch();
    expect(runner.tidySteps - steps).toBe(1);
    expect(await searchIndexSegments(db)).toBe(1);
    // Either kind of step says it had nothing to do.
    expect(await mergeSearchIndexStep(db, TIDY_PAGES, true)).toBe(false);
    expect(await mergeSearchIndexStep(db, TIDY_PAGES, false)).toBe(false);
  });

  it('runs on its own after a batch in the worker', async () => {
    const { owner, runner } = await fragmented();
    const db = env!.store.db;
    expect(await searchIndexSegments(db)).toBeGreaterThan(1);
    const entries = Array.from({ length: runner.minEntries }, (_, i) => ({ email: `beryl${i}@example.org` }));
    await owner.members.invite({ entries, grants: { roleIds: [await roleId(owner, 'Member')] } });
    // Nothing here asks for a tidy: the batch did. (Bounded by the test's timeout, not timed.)
    while ((await searchIndexSegments(db)) > 1) await delay(5);
    expect(runner.tidySteps).toBeGreaterThan(0);
    await checkSearchIndex(db);
    expect((await owner.members.countMatching({ search: 'beryl' })).count).toBe(runner.minEntries);
  });

  it('leaves an index of a few segments as it is: a batch does not have the whole index rewritten', async () => {
    const { owner, runner } = await fragmented();
    const db = env!.store.db;
    await runner.tidySearch();
    const entries = Array.from({ length: runner.minEntries }, (_, i) => ({ email: `tourmaline${i}@example.org` }));
    await owner.members.invite({ entries, grants: { roleIds: [await roleId(owner, 'Member')] } });
    await runner.tidySearch();
    const segments = await searchIndexSegments(db);
    expect(segments).toBeGreaterThan(1);
    expect(segments).toBeLessThan(TIDY_SEGMENTS);
    expect((await owner.members.countMatching({ search: 'tourmaline' })).count).toBe(runner.minEntries);
  });

  it('runs on its own after a restore, on the restored file', async () => {
    const { owner, runner } = await fragmented();
    env!.services.backup = createBackup({ store: env!.store, dataDir: env!.dir, clock: env!.clock });
    const db = env!.store.db;
    await owner.backup.create({ name: 'fragmented' });
    const copy = openReadConnection(join(env!.dir, BACKUP_DIR, 'fragmented.sqlite'));
    const inCopy = await searchIndexSegments(copy);
    await copy.destroy();
    expect(inCopy).toBeGreaterThan(1);
    await runner.tidySearch();
    expect(await searchIndexSegments(db)).toBe(1);
    const seen = await searches(owner);
    await owner.backup.restore({ name: 'fragmented.sqlite' });
    // The restored file's index is the fragmented one, until its tidy (nothing here asks for one).
    while ((await searchIndexSegments(db)) > 1) await delay(5);
    await checkSearchIndex(db);
    expect(await searches(owner)).toEqual(seen);
  });

  it('the timer tidies an index that writes have left in many segments', async () => {
    const { owner, runner } = await fragmented();
    const db = env!.store.db;
    expect(await searchIndexSegments(db)).toBeGreaterThanOrEqual(TIDY_SEGMENTS);
    const seen = await searches(owner);
    const stop = watchSearchIndex(db, () => runner.tidySearch(), 20);
    try {
      while ((await searchIndexSegments(db)) > 1) await delay(5);
    } finally {
      stop();
    }
    expect(await searches(owner)).toEqual(seen);
  });

  it('asks at most once per spacing from the timer, however fragmented the index stays', async () => {
    await fragmented();
    const db = env!.store.db;
    let asked = 0;
    // A tidy that does not happen: the index stays fragmented, and every look finds it so.
    const stop = watchSearchIndex(db, async () => void asked++, 5, 60_000);
    try {
      while (asked === 0) await delay(5);
      await delay(100);
    } finally {
      stop();
    }
    expect(asked).toBe(1);
  });

  it('takes no step while a backup copies the file, and tidies once it is done', async () => {
    const { owner, runner } = await fragmented();
    const db = env!.store.db;
    const before = await searchIndexSegments(db);
    env!.services.backup = createBackup({ store: env!.store, dataDir: env!.dir, clock: env!.clock });
    // The worker up and answering first (a checkpoint job), so a step taken meanwhile would show.
    await runner.checkpoint((env!.store as OpenedSqliteStore).file);
    const release = runner.holdTidy();
    const tidied = runner.tidySearch();
    await owner.backup.create({ name: 'during-tidy' });
    // Long enough for several steps (one per 10 ms pause) had any been taken.
    await delay(100);
    expect(runner.tidySteps).toBe(0);
    expect(await searchIndexSegments(db)).toBe(before);
    release();
    await tidied;
    expect(await searchIndexSegments(db)).toBe(1);
    await checkSearchIndex(db);
  });

  it('is skipped while the directory is being moved to PostgreSQL (writes held)', async () => {
    const { runner } = await fragmented();
    const db = env!.store.db;
    const before = await searchIndexSegments(db);
    const hold = (env!.store as unknown as { hold: WriteHold }).hold;
    hold.engage('Moving to PostgreSQL.');
    await runner.tidySearch();
    expect(await searchIndexSegments(db)).toBe(before);
    expect(runner.tidySteps).toBe(0);
    hold.release();
    await runner.tidySearch();
    expect(await searchIndexSegments(db)).toBe(1);
  });
});
