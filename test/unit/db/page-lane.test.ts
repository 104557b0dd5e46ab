import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { SEARCH_CANDIDATES, searchBounds, SEARCH_FAR_IDS } from '../../../src/main/db/repos/member-search.repo';
import { createBackup } from '../../../src/main/services/backup';
import { eventLoopBusy } from '../../../src/main/services/in-flight';
import { readBounds, type SqliteReadRunner } from '../../../src/main/workers/read-runner';
import { createEnv, registerOwner, roleId, TEST_STORE, type Caller, type TestEnv } from '../helpers';

// While other calls are under way, a Members page is read on the read worker's page lane
// (workers/read-runner.ts): the same rows, cursors, decorations and row actions as a page read on
// the main thread. Skipped on the PostgreSQL run, with reason: there is no read worker there (the
// pool keeps the event loop free); the list tests check the pages themselves on both stores.

type ListInput = Parameters<Caller['members']['list']>[0];

const sameEverywhere = (() => {
  const original = readBounds.pagesOffThreadFrom;
  return {
    /** Reads the page with the lane forced, then on the main thread; returns both. */
    async both(caller: Caller, runner: SqliteReadRunner, input: ListInput) {
      readBounds.pagesOffThreadFrom = 1;
      const before = runner.pagesRead;
      const viaLane = await caller.members.list(input);
      const laneUsed = runner.pagesRead - before;
      readBounds.pagesOffThreadFrom = Number.POSITIVE_INFINITY;
      const inLoop = await caller.members.list(input);
      readBounds.pagesOffThreadFrom = original;
      return { viaLane, inLoop, laneUsed };
    },
    restore() {
      readBounds.pagesOffThreadFrom = original;
    },
  };
})();

describe.skipIf(TEST_STORE === 'postgres')('Members pages on the read worker (SQLite)', () => {
  let env: TestEnv;
  let owner: Caller;
  let runner: SqliteReadRunner;
  let ids: number[];

  beforeAll(async () => {
    env = await createEnv();
    runner = env.services.deps.reads as SqliteReadRunner;
    ({ caller: owner } = await registerOwner(env));
    const member = await roleId(owner, 'Member');
    const admin = await roleId(owner, 'Admin');
    const paris = (await owner.accounts.create({ name: 'Paris' })).id;
    const entries = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ email: `${prefix}${i}@example.org`, name: `${prefix} ${i}` }));
    await owner.members.invite({ entries: entries('amber', 70), grants: { roleIds: [member] } });
    await owner.members.invite({ entries: entries('basalt', 30), grants: { roleIds: [admin], grantAccountId: paris, accountIds: [paris] } });
    await owner.members.invite({ entries: entries('cobalt', 90), grants: { roleIds: [member] } });
    ids = (await owner.members.list({ search: 'amber', limit: 10 })).items.map((m) => m.id);
    await owner.members.cancel({ ids: ids.slice(0, 3) });
    await runner.warmPages();
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });
  afterEach(() => sameEverywhere.restore());

  const inputs: [string, ListInput][] = [
    ['the first page, newest first', { limit: 50 }],
    ['a status tab', { status: 'pending', limit: 20 }],
    ['by name, oldest first', { sort: 'name', order: 'asc', limit: 25 }],
    ['a rare search', { search: 'basalt 1', limit: 50 }],
    ['a search matching most rows', { search: 'example.org', limit: 30 }],
    ['a two-character search', { search: 'co', limit: 40 }],
    ['the last page (backward without a cursor)', { direction: 'backward', limit: 30 }],
  ];
  for (const [label, input] of inputs)
    it(`${label}: the same page both ways`, async () => {
      const { viaLane, inLoop, laneUsed } = await sameEverywhere.both(owner, runner, input);
      expect(laneUsed).toBe(1);
      expect(viaLane.items.length).toBeGreaterThan(0);
      expect(viaLane).toEqual(inLoop);
    });

  it('the next and previous pages from cursors, and the decorations and row actions, are the same both ways', async () => {
    const first = await owner.members.list({ limit: 40 });
    const { viaLane: next, inLoop: nextHere } = await sameEverywhere.both(owner, runner, { limit: 40, cursor: first.nextCursor });
    expect(next).toEqual(nextHere);
    const { viaLane: back, inLoop: backHere } = await sameEverywhere.both(owner, runner, { limit: 40, cursor: next.prevCursor, direction: 'backward' });
    expect(back).toEqual(backHere);
    expect(back.items.map((m) => m.id)).toEqual(first.items.map((m) => m.id));
    // Roles with their sub-account, sub-accounts and the actions on each row came with the page.
    const basalt = (await sameEverywhere.both(owner, runner, { search: 'basalt', limit: 5 })).viaLane.items[0]!;
    expect(basalt.roles[0]?.name).toBe('Admin');
    expect(basalt.accountIds).toHaveLength(1);
    expect(basalt.actions).toContain('cancel');
  });

  it('a page on the lane shows a change as soon as it is acknowledged', async () => {
    readBounds.pagesOffThreadFrom = 1;
    const target = (await owner.members.list({ status: 'pending', search: 'cobalt', limit: 1 })).items[0]!;
    await owner.members.cancel({ ids: [target.id] });
    const before = runner.pagesRead;
    const cancelled = await owner.members.list({ status: 'cancelled', search: 'cobalt', limit: 50 });
    expect(runner.pagesRead - before).toBe(1);
    expect(cancelled.items.map((m) => m.id)).toContain(target.id);
    expect(cancelled.items.find((m) => m.id === target.id)?.status).toBe('cancelled');
  });

  it('a busy event loop sends a page to the lane even when no other call is counted (requests wait in the sockets)', async () => {
    // Alone on an idle event loop: read here (a hop to the worker would only add to it). The measure
    // starts anew, then a window passes idle.
    eventLoopBusy();
    await new Promise((r) => setTimeout(r, 30));
    const idle = runner.pagesRead;
    const here = await owner.members.list({ search: 'amber', limit: 20 });
    expect(runner.pagesRead - idle).toBe(0);
    // The event loop busy for the last window (as under 50 clients, whose requests the router has not counted yet).
    eventLoopBusy();
    const spin = performance.now();
    while (performance.now() - spin < 40) {
      // Busy.
    }
    const before = runner.pagesRead;
    const busy = await owner.members.list({ search: 'amber', limit: 20 });
    expect(runner.pagesRead - before).toBe(1);
    expect(busy).toEqual(here);
  });

  it('calls asked together: pages go to the lane, each the page a call alone gets', async () => {
    const alone = await owner.members.list({ search: 'amber', limit: 20 });
    const before = runner.pagesRead;
    const together = await Promise.all([1, 2, 3, 4].map(() => owner.members.list({ search: 'amber', limit: 20 })));
    expect(runner.pagesRead - before).toBeGreaterThan(0);
    for (const page of together) expect(page).toEqual(alone);
  });
});

describe.skipIf(TEST_STORE === 'postgres')('the page lane around a restore and a stopped worker (SQLite)', () => {
  let env: TestEnv | undefined;
  afterEach(async () => {
    readBounds.pagesOffThreadFrom = 2;
    env?.services.backup?.stop();
    await env?.close();
    env = undefined;
  });

  it('pages asked while a restore swaps the file wait for it and show one directory or the other, whole', async () => {
    env = await createEnv();
    env.services.backup = createBackup({ store: env.store, dataDir: env.dir, clock: env.clock });
    const { caller: owner } = await registerOwner(env);
    const member = await roleId(owner, 'Member');
    await owner.members.invite({ entries: Array.from({ length: 20 }, (_, i) => ({ email: `kept${i}@example.org` })), grants: { roleIds: [member] } });
    await owner.backup.create({ name: 'twenty' });
    await owner.members.invite({ entries: Array.from({ length: 30 }, (_, i) => ({ email: `lost${i}@example.org` })), grants: { roleIds: [member] } });
    readBounds.pagesOffThreadFrom = 1;
    await (env.services.deps.reads as SqliteReadRunner).warmPages();
    const sizes: number[] = [];
    let restoring = true;
    const asking = (async () => {
      while (restoring) sizes.push((await owner.members.list({ search: 'example.org', limit: 100 })).items.length);
    })();
    await owner.backup.restore({ name: 'twenty.sqlite' });
    restoring = false;
    await asking;
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.every((n) => n === 50 || n === 20)).toBe(true);
    expect((await owner.members.list({ search: 'example.org', limit: 100 })).items).toHaveLength(20);
  });

  it('the first time calls pile up, their pages are read here while the lane starts; then they go to the lane', async () => {
    env = await createEnv();
    const runner = env.services.deps.reads as SqliteReadRunner;
    const { caller: owner } = await registerOwner(env);
    await owner.members.invite({ entries: Array.from({ length: 12 }, (_, i) => ({ email: `pile${i}@example.org` })), grants: { roleIds: [await roleId(owner, 'Member')] } });
    const together = () => Promise.all([1, 2, 3].map(() => owner.members.list({ search: 'pile', limit: 50 })));
    for (const page of await together()) expect(page.items).toHaveLength(12);
    // Read here: the lane's thread was only asked to start (it takes tens of milliseconds; these pages, a few).
    expect(runner.pagesRead).toBe(0);
    const starting = runner.pageLaneStarting();
    expect(starting).not.toBeNull();
    await starting;
    for (const page of await together()) expect(page.items).toHaveLength(12);
    expect(runner.pagesRead).toBeGreaterThan(0);
  });

  it("pages on the lane when its thread ends are read here instead: each call gets its page", async () => {
    env = await createEnv();
    const runner = env.services.deps.reads as SqliteReadRunner;
    const { caller: owner } = await registerOwner(env);
    await owner.members.invite({ entries: Array.from({ length: 8 }, (_, i) => ({ email: `crash${i}@example.org` })), grants: { roleIds: [await roleId(owner, 'Member')] } });
    readBounds.pagesOffThreadFrom = 1;
    await runner.warmPages();
    const asked = Promise.all([1, 2, 3].map(() => owner.members.list({ search: 'crash', limit: 50 })));
    // Microtasks only: the lane's answers (messages, a turn of the event loop away) cannot land while this waits.
    for (let i = 0; i < 10_000 && runner.pagesOnLane() < 3; i++) await Promise.resolve();
    expect(runner.pagesOnLane()).toBe(3);
    await runner.terminatePageLane();
    for (const page of await asked) expect(page.items).toHaveLength(8);
    expect(runner.pagesHandedBack).toBe(3);
    expect(runner.pagesRead).toBe(0);
  });

  it("after the lane's thread ended, a page is read here while a new one starts, then on it", async () => {
    env = await createEnv();
    const runner = env.services.deps.reads as SqliteReadRunner;
    const { caller: owner } = await registerOwner(env);
    await owner.members.invite({ entries: [{ email: 'again@example.org' }], grants: { roleIds: [await roleId(owner, 'Member')] } });
    readBounds.pagesOffThreadFrom = 1;
    await runner.warmPages();
    expect((await owner.members.list({ search: 'again', limit: 5 })).items).toHaveLength(1);
    expect(runner.pagesRead).toBe(1);
    await runner.terminatePageLane();
    expect((await owner.members.list({ search: 'again', limit: 5 })).items).toHaveLength(1);
    expect(runner.pagesRead).toBe(1);
    await runner.pageLaneStarting();
    expect((await owner.members.list({ search: 'again', limit: 5 })).items).toHaveLength(1);
    expect(runner.pagesRead).toBe(2);
  });

  it('once the store is closed, no page lane starts again', async () => {
    env = await createEnv();
    const runner = env.services.deps.reads as SqliteReadRunner;
    await runner.close();
    readBounds.pagesOffThreadFrom = 1;
    expect(runner.pagesOffThread()).toBe(false);
    expect(runner.pageLaneStarting()).toBeNull();
  });
});

describe.skipIf(TEST_STORE === 'postgres')('Members pages on the read worker with more matches than a rare search (SQLite)', () => {
  let env: TestEnv;
  let owner: Caller;
  let runner: SqliteReadRunner;

  beforeAll(async () => {
    env = await createEnv();
    runner = env.services.deps.reads as SqliteReadRunner;
    ({ caller: owner } = await registerOwner(env));
    const member = await roleId(owner, 'Member');
    // 2,100 matches of "faraway", all invited before the 2,100 rows at the top of the newest-first
    // order: none among the first 2,000 rows a common search tests, so its page is found by a far-down plan.
    await owner.members.invite({ entries: Array.from({ length: SEARCH_CANDIDATES + 100 }, (_, i) => ({ email: `faraway${i}@example.org` })), grants: { roleIds: [member] } });
    env.clock.advance(60_000);
    await owner.members.invite({ entries: Array.from({ length: SEARCH_CANDIDATES + 100 }, (_, i) => ({ email: `nearby${i}@example.org` })), grants: { roleIds: [member] } });
    await runner.warmPages();
  }, 120_000);
  afterAll(async () => {
    await env?.close();
  });
  afterEach(() => sameEverywhere.restore());

  const plans: [string, Partial<typeof searchBounds>][] = [
    ['the id-order walk', {}],
    ["the sort of every match's id", { idWalk: false }],
    ['the walk against the set of every match', { idWalk: false, farIds: 100 }],
  ];
  for (const [plan, bounds] of plans)
    it(`far down the newest-first order, through ${plan}: the first two pages the same both ways`, async () => {
      Object.assign(searchBounds, bounds);
      try {
        for (const order of ['desc'] as const) {
          const first = await sameEverywhere.both(owner, runner, { search: 'FARAWAY', order, limit: 50 });
          expect(first.laneUsed).toBe(1);
          expect(first.viaLane.items).toHaveLength(50);
          expect(first.viaLane.items.every((m) => m.email.startsWith('faraway'))).toBe(true);
          expect(first.viaLane).toEqual(first.inLoop);
          const second = await sameEverywhere.both(owner, runner, { search: 'FARAWAY', order, limit: 50, cursor: first.viaLane.nextCursor });
          expect(second.viaLane).toEqual(second.inLoop);
          expect(second.viaLane.items).toHaveLength(50);
        }
      } finally {
        searchBounds.idWalk = true;
        searchBounds.farIds = SEARCH_FAR_IDS;
      }
    });
});
