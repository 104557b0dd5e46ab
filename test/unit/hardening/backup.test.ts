import SQLite from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBackup } from '../../../src/main/services/backup';
import { caught, createEnv, inviteAndAccept, registerOwner, OWNER_EMAIL, roleId, signedIn, TEST_STORE, type Caller, type TestEnv } from '../helpers';

// Issue 16, "Backup and restore (missing entirely)": SQLite only; team mode answers "use pg_dump".

let env: TestEnv | undefined;
afterEach(async () => {
  env?.services.backup?.stop();
  await env?.close();
  env = undefined;
});

async function setup(): Promise<{ env: TestEnv; owner: Caller; member: number }> {
  env = await createEnv();
  env.services.backup = createBackup({ store: env.store, dataDir: env.dir, clock: env.clock });
  const { caller: owner } = await registerOwner(env);
  return { env, owner, member: await roleId(owner, 'Member') };
}

const emails = async (e: TestEnv) => (await e.store.db.selectFrom('member').select('email').execute()).map((r) => r.email).sort();

// Skipped on the PostgreSQL run, with reason: backup and restore are SQLite's online backup API;
// in team mode they answer "use pg_dump" (the last test below).
describe.skipIf(TEST_STORE === 'postgres')('backup and restore (SQLite)', () => {
  it('backs up while invitations run; restoring gives back every write acknowledged before the backup, intact, and keeps the previous file aside', async () => {
    const { env, owner, member } = await setup();
    const acknowledged: string[] = [];
    let stop = false;
    let round = 0;
    const inviting = (async () => {
      while (!stop && round < 200) {
        const entries = Array.from({ length: 25 }, (_, i) => ({ email: `r${round}-${i}@example.org` }));
        round++;
        await owner.members.invite({ entries, grants: { roleIds: [member] } });
        acknowledged.push(...entries.map((x) => x.email));
      }
    })();
    // Let some invitations land first, then back up while they keep coming.
    while (acknowledged.length < 75) await new Promise((r) => setImmediate(r));
    const before = [...acknowledged];
    const backup = await owner.backup.create({ name: 'during-invites' });
    const afterBackupStarted = [...acknowledged];
    stop = true;
    await inviting;
    expect(backup.name).toBe('during-invites.sqlite');
    expect(existsSync(backup.path)).toBe(true);
    expect((await owner.backup.list()).map((b) => b.name)).toContain('during-invites.sqlite');
    await owner.members.invite({ entries: [{ email: 'after@example.org' }], grants: { roleIds: [member] } });
    // Signed in after the backup was taken: the session is not in the backup, yet it carries on.
    const later = await signedIn(env, OWNER_EMAIL);

    const restored = await owner.backup.restore({ name: 'during-invites.sqlite' });
    expect(restored.keptAside).toMatch(/roster\.sqlite\.before-restore-/);
    expect(existsSync(restored.keptAside)).toBe(true);

    // The running store now is the backup: intact, with every write acknowledged before the backup.
    expect(env.store.sqlite!.pragma('integrity_check', { simple: true })).toBe('ok');
    const now = await emails(env);
    for (const e of before) expect(now).toContain(e);
    expect(now).not.toContain('after@example.org');
    // Whole batches only: a batch is in the backup entirely or not at all.
    const rounds = new Map<string, number>();
    for (const e of now.filter((x) => x.startsWith('r'))) rounds.set(e.split('-')[0]!, (rounds.get(e.split('-')[0]!) ?? 0) + 1);
    expect([...rounds.values()].every((n) => n === 25)).toBe(true);
    expect(now.filter((x) => x.startsWith('r')).length).toBeLessThanOrEqual(afterBackupStarted.length + 25);

    // The previous file kept aside still holds the later writes.
    const aside = new SQLite(restored.keptAside, { readonly: true });
    expect(aside.prepare("SELECT count(*) AS n FROM member WHERE email = 'after@example.org'").get()).toEqual({ n: 1 });
    aside.close();

    // The restored store serves reads and writes without a restart.
    await owner.members.invite({ entries: [{ email: 'post-restore@example.org' }], grants: { roleIds: [member] } });
    expect(await emails(env)).toContain('post-restore@example.org');
    expect((await later.members.list({ limit: 1 })).items).toHaveLength(1);
  }, 300_000);

  it('refuses a file that is not a Roster store, or is damaged, touching nothing', async () => {
    const { env, owner } = await setup();
    const dir = join(env.dir, 'backups');
    mkdirSync(dir, { recursive: true });
    const foreign = join(dir, 'other-app.sqlite');
    const other = new SQLite(foreign);
    other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (\'hello\')');
    other.close();
    writeFileSync(join(dir, 'garbage.sqlite'), 'this is not a database at all'.repeat(100));
    const foreignBytes = readFileSync(foreign);
    const storeBefore = await emails(env);

    const refused = await caught(owner.backup.restore({ name: 'other-app.sqlite' }));
    expect(refused.domainCode).toBe('VALIDATION');
    expect(refused.message).toContain('is not a Roster store');
    const garbage = await caught(owner.backup.restore({ name: 'garbage.sqlite' }));
    expect(garbage.message).toContain('not a Roster store');
    expect((await caught(owner.backup.restore({ name: 'missing.sqlite' }))).message).toContain('does not exist');
    expect((await caught(owner.backup.restore({ name: '../roster.sqlite' }))).code).toBe('BAD_REQUEST');

    expect(readFileSync(foreign).equals(foreignBytes)).toBe(true);
    expect(readdirSync(env.dir).filter((n) => n.includes('before-restore') || n.includes('restoring'))).toEqual([]);
    expect(await emails(env)).toEqual(storeBefore);
  });

  it('in team mode (PostgreSQL) says to use pg_dump', async () => {
    const { env, owner } = await setup();
    env.services.backup = createBackup({ store: { ...env.store, dialect: 'postgres' }, dataDir: env.dir, clock: env.clock });
    expect((await caught(owner.backup.create({}))).message).toContain('pg_dump');
    expect((await caught(owner.backup.restore({ name: 'x.sqlite' }))).message).toContain('pg_restore');
  });

  it('is for an Owner only', async () => {
    const { env, owner } = await setup();
    await inviteAndAccept(env, owner, 'admin@acme.test', 'Admin');
    const admin = await signedIn(env, 'admin@acme.test');
    expect((await caught(admin.backup.create({}))).domainCode).toBe('OWNER_ONLY');
    expect((await caught(admin.backup.restore({ name: 'x.sqlite' }))).domainCode).toBe('OWNER_ONLY');
  });

  it('takes a daily backup when scheduled and keeps the newest N', async () => {
    const { env, owner } = await setup();
    const backup = env.services.backup!;
    expect(await backup.runScheduled()).toBeNull();
    await owner.backup.setSchedule({ daily: true, keep: 2 });
    const made: (string | null)[] = [];
    for (let day = 0; day < 3; day++) {
      made.push(await backup.runScheduled());
      expect(await backup.runScheduled()).toBeNull(); // not due again the same day
      env.clock.advance(25 * 60 * 60 * 1000);
    }
    expect(made.every((n) => n !== null)).toBe(true);
    // (The console locked while the days passed: the folder is read directly.)
    expect(readdirSync(join(env.dir, 'backups')).sort()).toEqual([made[1], made[2]].sort());
  });
});
