import { performance } from 'node:perf_hooks';
import { systemClock } from '../../src/main/core/clock';
import type { OpenedStore } from '../../src/main/db/connect';
import { createServices } from '../../src/main/services';
import type { AdminActor } from '../../src/main/services/actor';
import { inviteMembers } from '../../src/main/services/members';
import { loadAuthz, registerOwner } from '../../src/main/services/organizations';

/**
 * Registers an owner on an empty store and invites `count` addresses in one batch through the domain
 * layer (validation, dedupe, grants, links, audit, one transaction): the `invites` and `stores`
 * sections measure the same work.
 */
export function batchEntries(count: number): { email: string; name: string }[] {
  return Array.from({ length: count }, (_, i) => ({ email: `person${i}@example${i % 97}.com`, name: `Person ${i}` }));
}

export async function timedInviteBatch(store: OpenedStore, count: number): Promise<{ ms: number; organizationId: number }> {
  const services = createServices({ db: store.db, clock: systemClock, publicBaseUrl: () => 'http://127.0.0.1:8450' });
  const { organizationId, memberId, personId } = await registerOwner(services.deps, { organizationName: 'Bench Org', email: 'owner@bench.test', password: 'correct horse battery staple' });
  const authz = await loadAuthz(store.db, organizationId, memberId);
  const actor: AdminActor = { personId, memberId, label: 'owner@bench.test', authz };
  const memberRole = await store.db.selectFrom('role').select('id').where('organization_id', '=', organizationId).where('builtin', '=', 'member').executeTakeFirstOrThrow();
  await store.db.updateTable('organization').set({ block_disposable: 0 }).execute();
  const entries = batchEntries(count);
  const t0 = performance.now();
  const result = await inviteMembers(services.deps, actor, organizationId, { entries, grants: { roleIds: [memberRole.id], accountIds: [], permissions: [] }, resendExisting: false });
  const ms = performance.now() - t0;
  if (result.invited.length !== count) throw new Error(`expected ${count} invited, got ${result.invited.length}`);
  return { ms, organizationId };
}
