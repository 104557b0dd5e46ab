import { performance } from 'node:perf_hooks';
import { systemClock } from '../../src/main/core/clock';
import { hashToken, newToken } from '../../src/main/core/tokens';
import type { OpenedStore } from '../../src/main/db/connect';
import { createServices, type Services } from '../../src/main/services';
import type { AdminActor } from '../../src/main/services/actor';
import { inviteMembers } from '../../src/main/services/members';
import { loadAuthz, registerOwner } from '../../src/main/services/organizations';

/**
 * Registers an owner on an empty store and invites `count` addresses in one batch through the domain
 * layer (validation, dedupe, grants, links, audit, one transaction): the `invites` and `stores`
 * sections measure the same work. The raw baselines write the same rows by hand (SQLite only).
 */
export function batchEntries(count: number): { email: string; name: string }[] {
  return Array.from({ length: count }, (_, i) => ({ email: `person${i}@example${i % 97}.com`, name: `Person ${i}` }));
}

interface BenchOrg {
  services: Services;
  actor: AdminActor;
  organizationId: number;
  memberRoleId: number;
}

/** An organization with its owner, as the app makes it, ready for a batch (disposable addresses allowed). */
async function benchOrganization(store: OpenedStore): Promise<BenchOrg> {
  const services = createServices({ db: store.db, clock: systemClock, publicBaseUrl: () => 'http://127.0.0.1:8450' });
  const { organizationId, memberId, personId } = await registerOwner(services.deps, { organizationName: 'Bench Org', email: 'owner@bench.test', password: 'correct horse battery staple' });
  const authz = await loadAuthz(store.db, organizationId, memberId);
  const actor: AdminActor = { personId, memberId, label: 'owner@bench.test', authz };
  const memberRole = await store.db.selectFrom('role').select('id').where('organization_id', '=', organizationId).where('builtin', '=', 'member').executeTakeFirstOrThrow();
  await store.db.updateTable('organization').set({ block_disposable: 0 }).execute();
  return { services, actor, organizationId, memberRoleId: memberRole.id };
}

/** CPU time (user + system, every thread of the process) since `from`, in ms: steadier than wall time on a shared machine. */
export function cpuMsSince(from: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
}

export async function timedInviteBatch(store: OpenedStore, count: number): Promise<{ ms: number; cpuMs: number; organizationId: number }> {
  const { services, actor, organizationId, memberRoleId } = await benchOrganization(store);
  const entries = batchEntries(count);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await inviteMembers(services.deps, actor, organizationId, { entries, grants: { roleIds: [memberRoleId], accountIds: [], permissions: [] }, resendExisting: false });
  const ms = performance.now() - t0;
  const cpuMs = cpuMsSince(c0);
  if (result.invited.length !== count) throw new Error(`expected ${count} invited, got ${result.invited.length}`);
  return { ms, cpuMs, organizationId };
}

/** `sql` + `rows` groups of `(?,…)`: one prepared multi-row INSERT. */
function multiRow(columns: number, rows: number): string {
  const group = `(${Array(columns).fill('?').join(',')})`;
  return Array(rows).fill(group).join(',');
}

/**
 * Baseline (a), "raw inserts of the same rows into the tables they must land in": on a fresh store
 * with the real schema (every index, the FTS5 trigram triggers, the counter and sync triggers), an
 * organization made as for the domain run, the rows the batch writes — member, member_role, link
 * (a fresh token hashed per row), audit (its JSON built per row) — in one transaction by prepared
 * multi-row INSERTs of `chunk` rows: single-row prepared statements measured 5.6x slower on this
 * schema (33.8 s against 6.1 s for 100,000, 2026-12-06), so they would flatter the domain. No
 * validation, no dedupe, no reading back: member ids are the consecutive rowids of each statement.
 */
export async function timedRawRealSchema(store: OpenedStore, count: number, chunk = Number(process.env.BENCH_RAW_CHUNK ?? 500)): Promise<{ ms: number; cpuMs: number }> {
  const { organizationId, actor, memberRoleId } = await benchOrganization(store);
  const root = await store.db.selectFrom('account').select('id').where('organization_id', '=', organizationId).where('parent_id', 'is', null).executeTakeFirstOrThrow();
  const raw = store.sqlite!;
  const statements = (n: number) => ({
    member: raw.prepare(
      `INSERT INTO member (organization_id, email, email_normalized, name, status, invited_by_member_id, invited_at, invite_expires_at, status_changed_at, created_at, updated_at) VALUES ${multiRow(11, n)}`,
    ),
    role: raw.prepare(`INSERT INTO member_role (member_id, role_id, account_id) VALUES ${multiRow(3, n)}`),
    link: raw.prepare(`INSERT INTO link (member_id, purpose, token_hash, created_at, expires_at) VALUES ${multiRow(5, n)}`),
    audit: raw.prepare(`INSERT INTO audit (organization_id, actor_person_id, actor_label, action, target_type, target_id, target_label, before_json, after_json, at) VALUES ${multiRow(10, n)}`),
  });
  const full = statements(Math.min(chunk, count));
  const entries = batchEntries(count);
  const now = new Date().toISOString();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  raw.transaction(() => {
    for (let start = 0; start < entries.length; start += chunk) {
      const part = entries.slice(start, start + chunk);
      const st = part.length === chunk || part.length === entries.length ? full : statements(part.length);
      const m: unknown[] = [];
      for (const e of part) m.push(organizationId, e.email, e.email.toLowerCase(), e.name, 'pending', actor.memberId, now, now, now, now, now);
      const last = Number(st.member.run(m).lastInsertRowid);
      const first = last - part.length + 1;
      const r: unknown[] = [];
      const l: unknown[] = [];
      const a: unknown[] = [];
      part.forEach((e, i) => {
        r.push(first + i, memberRoleId, root.id);
        l.push(first + i, 'invitation', hashToken(newToken()), now, now);
        const after = JSON.stringify({ status: 'pending', email: e.email, name: e.name, phone: null, roles: ['Member'], expiresAt: now });
        a.push(organizationId, actor.personId, actor.label, 'member.invite', 'member', first + i, e.email, null, after, now);
      });
      st.role.run(r);
      st.link.run(l);
      st.audit.run(a);
    }
  })();
  return { ms: performance.now() - t0, cpuMs: cpuMsSince(c0) };
}

/**
 * Baseline (b), the unindexed heap: member and link rows (token hashed per row) into copies made with
 * CREATE TABLE AS SELECT … WHERE 0 — no index, no trigger, no FTS, no grant or audit row. A floor for
 * "SQLite writing rows at all", not the work an invite must do.
 */
export function timedRawHeap(store: OpenedStore, organizationId: number, count: number): { ms: number; cpuMs: number } {
  const raw = store.sqlite!;
  raw.exec('CREATE TABLE raw_member AS SELECT * FROM member WHERE 0; CREATE TABLE raw_link AS SELECT * FROM link WHERE 0;');
  const insertMember = raw.prepare(
    'INSERT INTO raw_member (id, organization_id, email, email_normalized, name, status, invited_at, invite_expires_at, status_changed_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
  );
  const insertLink = raw.prepare('INSERT INTO raw_link (member_id, purpose, token_hash, created_at, expires_at) VALUES (?,?,?,?,?)');
  const entries = batchEntries(count);
  const now = new Date().toISOString();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  raw.transaction(() => {
    entries.forEach((e, i) => {
      insertMember.run(i + 1, organizationId, e.email, e.email.toLowerCase(), e.name, 'pending', now, now, now, now, now);
      insertLink.run(i + 1, 'invitation', hashToken(newToken()), now, now);
    });
  })();
  return { ms: performance.now() - t0, cpuMs: cpuMsSince(c0) };
}
