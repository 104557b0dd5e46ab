import type { Clock } from '../core/clock';
import type { DbOrTx } from '../db/database';
import { accountMemberIds, accountsForSync, membersForSync, roleMemberIds, rolesForSync } from '../db/repos/sync.repo';
import { dueSyncObjects } from '../db/repos/sync-objects.repo';
import type { SyncObjectRow, SyncSettingsRow } from '../db/tables/sync.table';
import { accountDepth, accountPath, roleGroupName, toUser, travels, type GroupAttrs, type UserAttrs } from './mapping';
import { groupOp, userOp, type AttributeChange, type OpKind } from './plan';

/** One object of the next push: what was written, what is wanted, and the operation between. */
export interface PlannedObject {
  obj: SyncObjectRow;
  op: OpKind;
  changes: AttributeChange[];
  user?: UserAttrs | null;
  group?: GroupAttrs | null;
  /** Parent groups go first: 0 for users and roles, the account's depth for sub-accounts. */
  depth: number;
}

export function parseWritten<T>(obj: SyncObjectRow): T | null {
  return obj.written_json ? (JSON.parse(obj.written_json) as T) : null;
}

/** Reads Roster's current state for every due object and decides its operation (the preview). */
export async function planDue(db: DbOrTx, clock: Clock, settings: SyncSettingsRow): Promise<PlannedObject[]> {
  const due = await dueSyncObjects(db, settings.organization_id, clock.now().toISOString());
  return [...(await planUsers(db, settings, due.filter((o) => o.kind === 'user'))), ...(await planGroups(db, settings, due.filter((o) => o.kind === 'group')))];
}

/**
 * The users among the due objects. Planned apart from the groups: a push plans its users, starts
 * sending them, and plans the groups while the first users are on the wire (groups go after every
 * user anyway, and what changes meanwhile is queued for the next push).
 */
export async function planUsers(db: DbOrTx, settings: SyncSettingsRow, due: SyncObjectRow[]): Promise<PlannedObject[]> {
  const members = new Map((await membersForSync(db, settings.organization_id, due.map((o) => o.local_id))).map((m) => [m.id, m]));
  const out: PlannedObject[] = [];
  for (const obj of due) {
    const m = members.get(obj.local_id);
    const wanted = m && travels(m.status) ? toUser(m, obj.external_id) : null;
    const written = parseWritten<UserAttrs>(obj);
    const gone = !m || m.status === 'deleted';
    out.push({ obj, ...userOp({ remoteId: obj.remote_id, written, wanted, gone, policy: settings.deletion_policy }), user: wanted, depth: 0 });
  }
  return out;
}

/** The groups (roles, sub-accounts) among the due objects. */
export async function planGroups(db: DbOrTx, settings: SyncSettingsRow, due: SyncObjectRow[]): Promise<PlannedObject[]> {
  const org = settings.organization_id;
  const of = (t: string) => due.filter((o) => o.local_type === t);
  const roles = new Map((await rolesForSync(db, org, of('role').map((o) => o.local_id))).map((r) => [r.id, r]));
  const roleMembers = await roleMemberIds(db, [...roles.keys()]);
  const accountObjs = of('account');
  const accounts = new Map((await accountsForSync(db, org)).map((a) => [a.id, a]));
  const accountMembers = await accountMemberIds(db, accountObjs.map((o) => o.local_id).filter((id) => accounts.has(id)));

  const out: PlannedObject[] = [];
  for (const obj of due) {
    let wanted: GroupAttrs | null = null;
    let depth = 0;
    if (obj.local_type === 'role') {
      const r = roles.get(obj.local_id);
      if (r) wanted = { displayName: roleGroupName(r.name), externalId: obj.external_id, members: roleMembers.get(r.id) ?? [] };
    } else {
      const path = accounts.has(obj.local_id) ? accountPath(accounts, obj.local_id) : null;
      if (path) wanted = { displayName: path, externalId: obj.external_id, members: accountMembers.get(obj.local_id) ?? [] };
      depth = accounts.has(obj.local_id) ? accountDepth(accounts, obj.local_id) : 0;
    }
    out.push({ obj, ...groupOp({ remoteId: obj.remote_id, written: parseWritten<GroupAttrs>(obj), wanted }), group: wanted, depth });
  }
  return out;
}
