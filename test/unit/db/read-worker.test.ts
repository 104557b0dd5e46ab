import { afterEach, describe, expect, it } from 'vitest';
import { createBackup } from '../../../src/main/services/backup';
import type { SqliteReadRunner } from '../../../src/main/workers/read-runner';
import { createEnv, registerOwner, roleId, TEST_STORE, type Caller, type TestEnv } from '../helpers';

// The count of a filter's members ("select all matching") runs in the read worker on the SQLite
// file (workers/read-runner.ts). Skipped on the PostgreSQL run, with reason: there is no read
// worker there (the pool keeps the event loop free); bulk.test.ts and search.test.ts check the
// counts themselves on both stores.

let env: TestEnv | undefined;
afterEach(async () => {
  env?.services.backup?.stop();
  await env?.close();
  env = undefined;
});

async function inviteMany(owner: Caller, prefix: string, n: number, roleIds: number[]): Promise<void> {
  await owner.members.invite({ entries: Array.from({ length: n }, (_, i) => ({ email: `${prefix}${i}@example.org` })), grants: { roleIds } });
}

describe.skipIf(TEST_STORE === 'postgres')('counts in the read worker (SQLite)', () => {
  it('counts what the list shows and sees each change as soon as it is acknowledged', async () => {
    env = await createEnv();
    expect(env.services.deps.reads).toBeDefined();
    const { caller: owner } = await registerOwner(env);
    const member = await roleId(owner, 'Member');
    await inviteMany(owner, 'quartz', 40, [member]);
    expect((await owner.members.countMatching({ search: 'quartz' })).count).toBe(40);
    const page = await owner.members.list({ search: 'quartz', status: 'pending', limit: 10 });
    await owner.members.cancel({ ids: [page.items[0]!.id] });
    expect((await owner.members.countMatching({ search: 'quartz', status: 'pending' })).count).toBe(39);
    expect((await owner.members.countMatching({ search: 'quartz', status: 'cancelled' })).count).toBe(1);
    await inviteMany(owner, 'quartz-late', 5, [member]);
    expect((await owner.members.countMatching({ search: 'quartz' })).count).toBe(45);
  });

  it('a count asked while a restore swaps the file waits for it and counts the restored directory', async () => {
    env = await createEnv();
    env.services.backup = createBackup({ store: env.store, dataDir: env.dir, clock: env.clock });
    const { caller: owner } = await registerOwner(env);
    const member = await roleId(owner, 'Member');
    await inviteMany(owner, 'kept', 20, [member]);
    await owner.backup.create({ name: 'twenty' });
    await inviteMany(owner, 'lost', 30, [member]);
    expect((await owner.members.countMatching({ search: 'example.org' })).count).toBe(50);

    // Counts keep coming while the restore runs: none fails, and each sees one file or the other, whole.
    const counts: number[] = [];
    let restoring = true;
    const asking = (async () => {
      while (restoring) counts.push((await owner.members.countMatching({ search: 'example.org' })).count);
    })();
    await owner.backup.restore({ name: 'twenty.sqlite' });
    restoring = false;
    await asking;
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.every((n) => n === 50 || n === 20)).toBe(true);
    expect((await owner.members.countMatching({ search: 'example.org' })).count).toBe(20);
    expect((await owner.members.countMatching({ search: 'lost' })).count).toBe(0);
  });

  it('after its worker stopped, the next count starts a new one and answers', async () => {
    env = await createEnv();
    const { caller: owner } = await registerOwner(env);
    await inviteMany(owner, 'again', 12, [await roleId(owner, 'Member')]);
    expect((await owner.members.countMatching({ search: 'again' })).count).toBe(12);
    await (env.services.deps.reads as SqliteReadRunner).close();
    expect((await owner.members.countMatching({ search: 'again' })).count).toBe(12);
  });
});
