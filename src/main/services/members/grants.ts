import { z } from 'zod';
import type { AccountTree } from '../../core/authz';
import { DomainError } from '../../core/errors';
import { defaultTeamAccount } from '../../core/grants';
import type { DbOrTx } from '../../db/database';
import {
  insertMemberAccounts,
  insertMemberPermissions,
  insertMemberRoles,
  replaceMemberAccounts,
  replaceMemberPermissions,
  replaceMemberRoles,
} from '../../db/repos/grants.repo';
import { listRoles, rolePermissions } from '../../db/repos/roles.repo';
import { permissionLabel } from '../../../shared/permissions';
import { isOwner, type AdminActor } from '../actor';
import { assertKnownPermissions, permissionName, roleList } from '../grant-rules';

export const inviteGrants = z.object({
  roleIds: roleList(z.number().int().positive(), 50),
  /** Sub-accounts the invitees get access to. */
  accountIds: z.array(z.number().int().positive()).max(500).default([]),
  /** Extra single permissions. */
  permissions: z.array(permissionName).max(200).default([]),
  /** Where the roles and permissions are granted; the company account when absent. */
  grantAccountId: z.number().int().positive().optional(),
});
export type InviteGrants = z.infer<typeof inviteGrants>;

export interface ResolvedGrants {
  roleIds: number[];
  grantAccountId: number;
  accountIds: number[];
  permissions: string[];
  roleNames: string[];
}

/** Checks that the actor may hand out these roles and permissions here, and resolves defaults. */
export async function resolveGrants(db: DbOrTx, organizationId: number, actor: AdminActor, grants: InviteGrants, tree: AccountTree, scopePermission = 'members.invite'): Promise<ResolvedGrants> {
  const roles = await listRoles(db, organizationId);
  const chosen = grants.roleIds.map((id) => roles.find((r) => r.id === id));
  if (chosen.some((r) => !r)) throw new DomainError('VALIDATION', 'One of the chosen roles does not exist in this organization: reload and pick again.');
  // Unknown before unheld: "you do not hold it" would send the admin looking for a grant that cannot exist.
  await assertKnownPermissions(db, organizationId, grants.permissions);
  // A sub-account admin (Team Admin) grants within their sub-accounts: by default their own.
  const grantAccountId = grants.grantAccountId ?? defaultTeamAccount(actor.authz, scopePermission) ?? tree.root.id;
  for (const id of [grantAccountId, ...grants.accountIds])
    if (!tree.has(id)) throw new DomainError('VALIDATION', 'One of the chosen sub-accounts does not exist in this organization: reload and pick again.');
  for (const id of [grantAccountId, ...grants.accountIds])
    if (!actor.authz.can(scopePermission, id))
      throw new DomainError('FORBIDDEN', `You manage only some sub-accounts: choose one of them (${tree.path(id)} is outside them).`);
  // Roles granted at a sub-account come with access to it, so that its admins see the member.
  if (grantAccountId !== tree.root.id) grants = { ...grants, accountIds: [...grants.accountIds, grantAccountId] };
  if (chosen.some((r) => r!.builtin === 'owner') && !isOwner(actor.authz))
    throw new DomainError('OWNER_ONLY', 'Only an Owner can grant the Owner role.');
  const granted = new Set([...(await rolePermissions(db, grants.roleIds)).map((p) => p.permission), ...grants.permissions]);
  for (const p of granted)
    if (!actor.authz.can(p, grantAccountId))
      throw new DomainError('MORE_PRIVILEGED', `You cannot grant "${permissionLabel(p)}" at this account because you do not hold it there yourself.`);
  return { roleIds: grants.roleIds, grantAccountId, accountIds: [...new Set(grants.accountIds)], permissions: [...new Set(grants.permissions)], roleNames: chosen.map((r) => r!.name) };
}

/** Writes resolved grants for members: added to what they hold, or replacing it. */
export async function writeGrants(trx: DbOrTx, memberIds: number[], g: ResolvedGrants, replace: boolean): Promise<void> {
  const roleRows = memberIds.flatMap((member_id) => g.roleIds.map((role_id) => ({ member_id, role_id, account_id: g.grantAccountId })));
  const permRows = memberIds.flatMap((member_id) => g.permissions.map((permission) => ({ member_id, permission, account_id: g.grantAccountId })));
  const accRows = memberIds.flatMap((member_id) => g.accountIds.map((account_id) => ({ member_id, account_id })));
  if (replace) {
    for (const id of memberIds) {
      await replaceMemberRoles(trx, id, roleRows.filter((r) => r.member_id === id));
      await replaceMemberPermissions(trx, id, permRows.filter((r) => r.member_id === id));
      await replaceMemberAccounts(trx, id, accRows.filter((r) => r.member_id === id));
    }
    return;
  }
  await insertMemberRoles(trx, roleRows);
  await insertMemberPermissions(trx, permRows);
  await insertMemberAccounts(trx, accRows);
}
