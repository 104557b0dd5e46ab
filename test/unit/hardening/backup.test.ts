import SQLite from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBackup } from '../../../src/main/services/backup';
import { createContextInner, memoryCarrier } from '../../../src/main/api/context';
import { createCaller } from '../../../src/main/api/router';
import { caught, createEnv, inviteAndAccept, lastMailedToken, PASSWORD, registerOwner, OWNER_EMAIL, roleId, signedIn, TEST_STORE, type Caller, type TestEnv } from '../helpers';
import { inviteeDoor } from '../invitee-door';

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
    expect((await caught(owner.backup.restore({ name: 'missing.sqlite' }))).message).toBe('No backup named missing.sqlite.');
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

  // A browser whose session token the test can read and replay (as a stolen or kept cookie).
  const browser = (e: TestEnv, token: string | null = null) => {
    const carrier = memoryCarrier();
    if (token) carrier.set(token);
    return { caller: createCaller(createContextInner({ services: e.services, sessionCarrier: carrier })), token: () => carrier.get() };
  };

  it('a restore never brings back a session ended since the backup; the sessions live at restore time carry on', async () => {
    const { env, owner } = await setup();
    const b = browser(env);
    await b.caller.auth.signIn({ email: OWNER_EMAIL, password: PASSWORD });
    const bToken = b.token()!;
    await inviteAndAccept(env, owner, 'admin@acme.test', 'Owner');
    const admin = await signedIn(env, 'admin@acme.test');
    await owner.backup.create({ name: 'before-signout' });
    await b.caller.auth.signOut();
    const replayed = browser(env, bToken).caller;
    expect((await caught(replayed.members.counts())).code).toBe('UNAUTHORIZED');
    // Signed in after the backup: not in it, yet carries on.
    const later = await signedIn(env, OWNER_EMAIL);

    await owner.backup.restore({ name: 'before-signout.sqlite' });

    expect((await caught(replayed.members.counts())).code).toBe('UNAUTHORIZED');
    expect((await caught(browser(env, bToken).caller.members.counts())).code).toBe('UNAUTHORIZED');
    await owner.members.counts();
    await later.members.counts();
    await admin.members.counts();
  });

  it('a restore keeps the current lockout and never brings a spent link back', async () => {
    const { env, owner } = await setup();
    await inviteAndAccept(env, owner, 'admin@acme.test', 'Admin');
    const id = (await owner.members.list({ limit: 10 })).items.find((m) => m.email === 'admin@acme.test')!.id;
    await owner.members.sendPasswordReset({ ids: [id] });
    const reset = lastMailedToken(env, 'admin@acme.test', 'password_reset');
    await owner.backup.create({ name: 'before-lockout' });
    await inviteeDoor(env).resetPassword({ token: reset, password: 'a completely new passphrase' });
    for (let i = 0; i < 5; i++) await caught(env.caller().auth.signIn({ email: OWNER_EMAIL, password: `wrong password ${i}` }));
    expect((await caught(env.caller().auth.signIn({ email: OWNER_EMAIL, password: PASSWORD }))).domainCode).toBe('RATE_LIMITED');

    await owner.backup.restore({ name: 'before-lockout' });

    expect((await caught(env.caller().auth.signIn({ email: OWNER_EMAIL, password: PASSWORD }))).domainCode).toBe('RATE_LIMITED');
    // The reset link was used after the backup: it stays used (the password it set is gone with the restore).
    const again = await caught(inviteeDoor(env).resetPassword({ token: reset, password: 'yet another passphrase here' }));
    expect(again.domainCode).toBe('LINK_USED');
  });

  it('calls made while a restore runs never find their session gone', async () => {
    const { env, owner } = await setup();
    await owner.backup.create({ name: 'busy' });
    // Signed in after the backup: their sessions are not in it.
    const admins = await Promise.all([signedIn(env, OWNER_EMAIL), signedIn(env, OWNER_EMAIL), signedIn(env, OWNER_EMAIL)]);
    let running = true;
    const errors: string[] = [];
    let calls = 0;
    const busy = admins.map(async (a) => {
      while (running) {
        await a.members.counts().catch((e: { data?: { domainCode?: string }; code?: string }) => errors.push(e.data?.domainCode ?? e.code ?? 'error'));
        calls++;
        await new Promise((r) => setImmediate(r));
      }
    });
    for (let i = 0; i < 3; i++) await owner.backup.restore({ name: 'busy.sqlite' });
    running = false;
    await Promise.all(busy);
    expect(calls).toBeGreaterThan(3);
    expect(errors).toEqual([]);
  });

  it('never overwrites a backup: a taken name, even three at once, or the scheduler\'s prefix is refused', async () => {
    const { env, owner, member } = await setup();
    const first = await owner.backup.create({ name: 'keep-me' });
    const bytes = readFileSync(first.path);
    await owner.members.invite({ entries: [{ email: 'later@example.org' }], grants: { roleIds: [member] } });
    const taken = await caught(owner.backup.create({ name: 'keep-me' }));
    expect(taken.domainCode).toBe('NAME_TAKEN');
    expect(taken.message).toBe('A backup named keep-me.sqlite already exists: choose another name.');
    expect((await caught(owner.backup.create({ name: 'keep-me.sqlite' }))).domainCode).toBe('NAME_TAKEN');
    expect(readFileSync(first.path).equals(bytes)).toBe(true);

    const three = await Promise.allSettled([1, 2, 3].map(() => owner.backup.create({ name: 'at-once' })));
    expect(three.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(three.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.message)).toEqual([
      'A backup named at-once.sqlite already exists: choose another name.',
      'A backup named at-once.sqlite already exists: choose another name.',
    ]);
    expect(readdirSync(join(env.dir, 'backups')).sort()).toEqual(['at-once.sqlite', 'keep-me.sqlite']);

    const auto = await caught(owner.backup.create({ name: 'roster-auto-2020-01-01T00-00-00-000Z' }));
    expect(auto.domainCode).toBe('VALIDATION');
    expect(auto.message).toContain('roster-auto-');
    expect(readdirSync(join(env.dir, 'backups')).sort()).toEqual(['at-once.sqlite', 'keep-me.sqlite']);
  });

  it('restores a backup by the name create gave it, and names a missing one without any server path', async () => {
    const { env, owner, member } = await setup();
    await owner.backup.create({ name: 'keep-me' });
    await owner.members.invite({ entries: [{ email: 'later@example.org' }], grants: { roleIds: [member] } });
    expect((await owner.backup.restore({ name: 'keep-me' })).restored).toBe('keep-me.sqlite');
    expect(await emails(env)).not.toContain('later@example.org');
    const missing = await caught(owner.backup.restore({ name: 'nope' }));
    expect(missing.domainCode).toBe('NOT_FOUND');
    expect(missing.message).toBe('No backup named nope.');
    writeFileSync(join(env.dir, 'backups', 'empty.sqlite'), '');
    const empty = await caught(owner.backup.restore({ name: 'empty' }));
    expect(empty.message).toBe('empty.sqlite is empty: it is not a Roster backup.');
    for (const m of [missing.message, empty.message]) expect(m).not.toContain(env.dir);
  });
});
