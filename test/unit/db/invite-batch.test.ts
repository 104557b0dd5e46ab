import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as m0017 from '../../../src/main/db/migrations/0017_member_live_email';
import type { Member } from '../../../src/main/db/tables/member.table';
import { memberAudit } from '../../../src/main/services/audit';
import { createEnv, registerOwner, roleId, TEST_STORE, type Caller, type TestEnv } from '../helpers';

/**
 * The invite batch writes its audit rows' JSON by hand (inviteAuditRows) and migration 0017 drops
 * SQLite's twin of the unique address index: the audit trail must read exactly as memberAudit
 * writes it, and the address-sorted list must keep its order, on both stores.
 */
describe('invite batch: audit text and the address-sorted list', () => {
  let env: TestEnv;
  let owner: Caller;
  let organizationId: number;

  beforeAll(async () => {
    env = await createEnv();
    const o = await registerOwner(env);
    owner = o.caller;
    organizationId = o.organizationId;
  });
  afterAll(async () => {
    await env.close();
  });

  it('each invited member has one audit row whose text is what memberAudit writes, quotes and accents included', async () => {
    const member = await roleId(owner, 'Member');
    const entries = [
      { email: 'Zoe.Upper@Example.test', name: 'Zoé "Zed" O\'Neil \\ ünï', phone: '+33 6 12 34 56 78' },
      { email: 'noname@example.test', name: null },
      { email: 'plain@example.test', name: 'Line \u2028 sep', role: 'Admin' },
    ];
    const r = await owner.members.invite({ entries, grants: { roleIds: [member], accountIds: [], permissions: [] }, resendExisting: false, csvRole: 'add' });
    expect(r.invited).toHaveLength(3);
    const db = env.store.db;
    const members = (await sql<Member>`SELECT * FROM member WHERE id IN (${sql.join(r.invited.map((i) => i.memberId))}) ORDER BY id`.execute(db)).rows;
    const audit = (await sql<{ target_id: number; after_json: string; actor_label: string }>`SELECT target_id, after_json, actor_label FROM audit WHERE action = 'member.invite' AND organization_id = ${organizationId} ORDER BY target_id`.execute(db)).rows;
    expect(audit.map((a) => a.target_id)).toEqual(members.map((m) => Number(m.id)));
    // Each invited address is reported with its own member, which holds its own roles.
    for (const i of r.invited) expect(members.find((m) => Number(m.id) === i.memberId)?.email).toBe(i.email);
    const admin = await roleId(owner, 'Admin');
    const admins = (await sql<{ member_id: number }>`SELECT member_id FROM member_role WHERE role_id = ${admin} AND member_id IN (${sql.join(r.invited.map((i) => i.memberId))})`.execute(db)).rows;
    expect(admins.map((a) => Number(a.member_id))).toEqual([r.invited.find((i) => i.email === 'plain@example.test')!.memberId]);
    const actor = { personId: null, memberId: null, label: audit[0]!.actor_label };
    for (const [i, m] of members.entries()) {
      const roles = m.email === 'plain@example.test' ? ['Member', 'Admin'] : ['Member'];
      const expected = memberAudit(organizationId, actor, 'member.invite', null, m, 'now', { roles, expiresAt: m.invite_expires_at });
      expect(JSON.parse(audit[i]!.after_json)).toEqual(JSON.parse(expected.after_json!));
      expect(audit[i]!.after_json).toBe(expected.after_json);
    }
    const log = await owner.audit.list({ action: 'member.invite', limit: 10 });
    expect(log.map((e) => e.target).sort()).toEqual(['Zoe.Upper@Example.test', 'noname@example.test', 'plain@example.test'].sort());
  });

  it('the list sorted by address, all tab and a status tab, both directions, pages in address order', async () => {
    const member = await roleId(owner, 'Member');
    const entries = Array.from({ length: 120 }, (_, i) => ({ email: `s${String((i * 37) % 120).padStart(3, '0')}@sort.test`, name: `S ${i}` }));
    await owner.members.invite({ entries, grants: { roleIds: [member], accountIds: [], permissions: [] }, resendExisting: false });
    for (const status of [undefined, 'pending'] as const)
      for (const order of ['asc', 'desc'] as const) {
        const seen: string[] = [];
        let cursor: { value: string | null; id: number } | null | undefined;
        do {
          const page = await owner.members.list({ status, sort: 'email', order, limit: 50, cursor });
          seen.push(...page.items.map((m) => m.email));
          cursor = page.nextCursor;
        } while (cursor);
        const sorted = [...seen].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1) * (order === 'asc' ? 1 : -1));
        expect(seen, `${status ?? 'all'} ${order}`).toEqual(sorted);
        expect(seen.filter((e) => e.endsWith('@sort.test'))).toHaveLength(120);
      }
  });

  it.runIf(TEST_STORE === 'sqlite')('SQLite keeps one address index per organization (0017), and down puts the twin back', async () => {
    const raw = env.store.sqlite!;
    const names = () => (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'member'").all() as { name: string }[]).map((r) => r.name);
    expect(names()).toContain('member_email_per_org');
    expect(names()).not.toContain('member_live_email');
    const plan = (raw.prepare("EXPLAIN QUERY PLAN SELECT id FROM member WHERE organization_id = ? AND status <> 'deleted' ORDER BY email_normalized, id LIMIT 51").all(1) as { detail: string }[]).map((r) => r.detail).join(' ');
    expect(plan).toContain('member_email_per_org');
    expect(plan).not.toContain('TEMP B-TREE');
    await m0017.down(env.store.db);
    expect(names()).toContain('member_live_email');
    await m0017.up(env.store.db);
    expect(names()).not.toContain('member_live_email');
  });
});
