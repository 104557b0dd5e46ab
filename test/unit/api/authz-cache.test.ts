import SQLite from 'better-sqlite3';
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../src/main/core/clock';
import { touchesAuthz } from '../../../src/main/db/authz-watch';
import { findMember } from '../../../src/main/db/repos/members.repo';
import { noneDue, readAfterExpiry } from '../../../src/main/services/members/expiry';
import type { OpenedSqliteStore } from '../../../src/main/db/connect';
import type { Database } from '../../../src/main/db/database';
import { caught, createEnv, invite, inviteAndAccept, OWNER_EMAIL, registerOwner, signedIn, TEST_STORE, type Caller, type TestEnv } from '../helpers';

/** Compiles without a database: what the driver sees of each write. */
const compiler = new Kysely<Database>({
  dialect: { createAdapter: () => new SqliteAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new SqliteIntrospector(db), createQueryCompiler: () => new SqliteQueryCompiler() },
});

describe('which writes may change a cached session authorization', () => {
  const cases: [string, ReturnType<typeof compiler.updateTable>['compile'] extends () => infer C ? C : never, boolean][] = [
    ['a role granted', compiler.insertInto('member_role').values({ member_id: 1, role_id: 2, account_id: 3 }).compile(), true],
    ['a role taken away', compiler.deleteFrom('member_role').where('member_id', '=', 1).compile(), true],
    ['a permission added to a role', compiler.insertInto('role_permission').values({ role_id: 1, permission: 'members.edit' }).compile(), true],
    ['a member deactivated', compiler.updateTable('member').set({ status: 'deactivated', updated_at: 'now' }).where('id', '=', 1).compile(), true],
    ['a member invited', compiler.insertInto('member').values({ organization_id: 1, email: 'a@b.test', email_normalized: 'a@b.test', status: 'pending', created_at: 'now', updated_at: 'now' } as never).compile(), true],
    ['a session ended', compiler.updateTable('console_session').set({ ended_at: 'now', ended_reason: null }).where('token_hash', '=', 'x').compile(), true],
    ['the idle lock changed', compiler.updateTable('organization').set({ idle_lock_minutes: 5 }).where('id', '=', 1).compile(), true],
    ['a sub-account moved', compiler.updateTable('account').set({ parent_id: 2 }).where('id', '=', 3).compile(), true],
    ['raw SQL', sql`DELETE FROM member_role`.compile(compiler), true],
    ['an invitation renewed (its validity end moved)', compiler.updateTable('member').set({ invite_expires_at: 'later', updated_at: 'now' }).where('id', '=', 1).compile(), true],
    ['a member renamed', compiler.updateTable('member').set({ name: 'New name', updated_at: 'now' }).where('id', '=', 1).compile(), false],
    ['a session touched', compiler.updateTable('console_session').set({ last_seen_at: 'now' }).where('token_hash', '=', 'x').compile(), false],
    ['an audit row', compiler.insertInto('audit').values({ organization_id: 1, action: 'x', at: 'now' } as never).compile(), false],
    ['a mail queued', compiler.insertInto('mail_outbox').values({ organization_id: 1 } as never).compile(), false],
    ['a guess counted', compiler.insertInto('guess_counter').values({ key: 'k', failures: 1, last_at: 'now', prev_at: null }).compile(), false],
  ];
  it.each(cases.map(([label, query, expected]) => ({ label, query, expected })))('$label → $expected', ({ query, expected }) => {
    expect(touchesAuthz(query)).toBe(expected);
  });
});

// The copy is kept only on the SQLite file (PostgreSQL reads every call: other processes write unseen).
describe.runIf(TEST_STORE === 'sqlite')('a session authorization kept between calls', () => {
  let env: TestEnv;
  let owner: Caller;
  let organizationId: number;
  let admin: Caller;
  let adminId: number;

  beforeAll(async () => {
    env = await createEnv();
    ({ caller: owner, organizationId } = await registerOwner(env));
    adminId = await inviteAndAccept(env, owner, 'admin@acme.test', 'Admin');
    admin = await signedIn(env, 'admin@acme.test');
  });
  afterAll(async () => {
    await env.close();
  });

  it('is read again after a change made by another connection to the file (another process, the worker)', async () => {
    expect((await admin.members.list({ limit: 5 })).items.length).toBeGreaterThan(0);
    const other = new SQLite((env.store as OpenedSqliteStore).file);
    try {
      other.pragma('busy_timeout = 5000');
      other.prepare("UPDATE member SET status = 'deactivated' WHERE id = ?").run(adminId);
    } finally {
      other.close();
    }
    expect((await caught(admin.members.list({ limit: 5 }))).domainCode).not.toBeNull();
  });

  it("shows a permission a member's role gained on the next page: outranked, they can no longer be deleted by that admin", async () => {
    const helperRole = await owner.roles.create({ name: 'Helper', permissions: ['members.view'] });
    await inviteAndAccept(env, owner, 'helper@acme.test', 'Helper');
    await inviteAndAccept(env, owner, 'second-admin@acme.test', 'Admin');
    const secondAdmin = await signedIn(env, 'second-admin@acme.test');
    const row = async () => (await secondAdmin.members.list({ search: 'helper@acme' })).items[0]!;
    expect((await row()).actions).toContain('delete');
    await owner.roles.setPermissions({ roles: [{ id: helperRole.id, permissions: ['members.view', 'organization.delete'] }] });
    const after = await row();
    expect(after.actions).not.toContain('delete');
    expect(after.refused.find((r) => r.action === 'delete')?.reason).toMatch(/more privileges than you/);
  });

  it('stands through a rename and a session touch, and moves with a role change', async () => {
    const generation = () => env.store.authzGeneration!();
    const before = generation();
    await owner.members.edit({ id: (await owner.members.list({ search: 'owner@' })).items[0]!.id, name: 'Renamed Owner' });
    expect(generation()).toBe(before);
    const pendingId = await invite(owner, 'pending@acme.test', 'Admin');
    expect(generation()).not.toBe(before);
    const afterInvite = generation();
    await owner.members.setRoles({ ids: [pendingId], roleIds: [(await owner.roles.list()).find((r) => r.builtin === 'member')!.id] });
    expect(generation()).not.toBe(afterInvite);
  });

  it('expires an invitation once its validity passes, with nothing written in between (the kept earliest expiry is compared with the clock)', async () => {
    const settings = await owner.organizations.settings();
    await owner.organizations.updateSettings({ ...settings, invitationValidityDays: 1 });
    const id = await invite(owner, 'day@acme.test');
    // Read: the earliest expiry is now this invitation's, a day ahead, and kept.
    expect((await owner.members.list({ search: 'day@acme' })).items[0]!.status).toBe('pending');
    const deps = env.services.deps;
    expect(await noneDue(deps, deps.db, env.clock.now().toISOString())).toBe(true);
    env.clock.advance(DAY_MS + 1);
    expect(await noneDue(deps, deps.db, env.clock.now().toISOString())).toBe(false);
    // What the Members page reads through (its session would have locked over a day).
    const read = await readAfterExpiry(deps, organizationId, () => findMember(deps.db, organizationId, id));
    expect(read?.status).toBe('expired');
    owner = await signedIn(env, OWNER_EMAIL);
  });
});
