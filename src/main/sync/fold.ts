import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock';
import type { Db } from '../db/database';
import { accountsForSync, deleteDirtyUpTo, dirtyRows, groupsOfMembers, membersForSync, rolesForSync } from '../db/repos/sync.repo';
import { insertSyncObjects, markSyncObjectsPending, syncObjectsByLocal } from '../db/repos/sync-objects.repo';
import type { NewSyncObject, SyncLocalType } from '../db/tables/sync.table';
import { accountPath, descendants, roleGroupName, travels } from './mapping';

/**
 * Moves the dirty queue (written by triggers with each change) onto the per-object rows: each
 * touched object becomes pending, once however many changes it had (several changes fold into one
 * operation). A member's change also touches the groups that list it; an account's rename or move
 * touches its whole subtree (their paths changed). Objects seen for the first time get their
 * externalId here, before anything is sent.
 */
export async function foldDirty(db: Db, clock: Clock, organizationId: number): Promise<number> {
  let folded = 0;
  for (;;) {
    const rows = await dirtyRows(db, organizationId, 5000);
    if (rows.length === 0) return folded;
    folded += rows.length;
    const maxId = rows[rows.length - 1]!.id;
    await db.transaction().execute(async (trx) => {
      const now = clock.now().toISOString();
      const ids: Record<SyncLocalType, Set<number>> = { member: new Set(), role: new Set(), account: new Set() };
      for (const r of rows) ids[r.local_type].add(r.local_id);
      const touched = await groupsOfMembers(trx, [...ids.member]);
      for (const r of touched.roles) ids.role.add(r);
      for (const a of touched.accounts) ids.account.add(a);
      const accounts = await accountsForSync(trx, organizationId);
      const byId = new Map(accounts.map((a) => [a.id, a]));
      ids.account = descendants(accounts, ids.account);
      // The company account itself is not a group.
      for (const a of [...ids.account]) if (byId.get(a)?.parent_id === null) ids.account.delete(a);

      const fresh: NewSyncObject[] = [];
      const base = (kind: 'user' | 'group', local_type: SyncLocalType, local_id: number, label: string): NewSyncObject => ({
        organization_id: organizationId,
        kind,
        local_type,
        local_id,
        external_id: randomUUID(),
        label,
        state: 'pending',
        attempts: 0,
        updated_at: now,
      });
      const pendingIds: number[] = [];
      const existing = async (t: SyncLocalType) => {
        const rowsOf = await syncObjectsByLocal(trx, organizationId, t, [...ids[t]]);
        for (const o of rowsOf) pendingIds.push(o.id);
        return new Set(rowsOf.map((o) => o.local_id));
      };

      const knownMembers = await existing('member');
      for (const m of await membersForSync(trx, organizationId, [...ids.member].filter((id) => !knownMembers.has(id))))
        if (travels(m.status)) fresh.push(base('user', 'member', m.id, m.email));
      const knownRoles = await existing('role');
      for (const r of await rolesForSync(trx, organizationId, [...ids.role].filter((id) => !knownRoles.has(id)))) fresh.push(base('group', 'role', r.id, roleGroupName(r.name)));
      const knownAccounts = await existing('account');
      for (const id of ids.account) {
        if (knownAccounts.has(id) || !byId.has(id)) continue;
        fresh.push(base('group', 'account', id, accountPath(byId, id) ?? `account ${id}`));
      }
      await markSyncObjectsPending(trx, pendingIds, now);
      await insertSyncObjects(trx, fresh);
      await deleteDirtyUpTo(trx, organizationId, maxId);
    });
  }
}
