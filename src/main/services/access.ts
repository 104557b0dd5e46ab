import { z } from 'zod';
import { permissionLabel } from '../../shared/permissions';
import { DomainError } from '../core/errors';
import { redundantGrant, type PermissionGrant, type RoleGrant } from '../core/grants';
import { insertAuditRows } from '../db/repos/audit.repo';
import { accountsOfMembers, permissionsOfMembers, replaceMemberAccounts, replaceMemberPermissions, replaceMemberRoles, rolesOfMembers } from '../db/repos/grants.repo';
import { updateMember } from '../db/repos/members.repo';
import { listRoles, rolePermissions } from '../db/repos/roles.repo';
import { memberAudit } from './audit';
import type { ServiceDeps } from './deps';
import { isOwner, type AdminActor } from './actor';
import { assertInScope, assertMayActOn, assertNotLastOwners, loadTargets } from './members/guards';
import { loadAccountTree, loadAuthz } from './organizations';
import { assertKnownPermissions, permissionName, roleList } from './grant-rules';

const id = z.number().int().positive();

export const accessInput = z.object({
  id,
  /** Roles, each at an account (the company account for org-wide). */
  roles: roleList(z.object({ roleId: id, accountId: id }), 200),
  /** Extra single permissions, each at an account. */
  permissions: z.array(z.object({ permission: permissionName, accountId: id })).max(500).default([]),
  /** Sub-accounts the member has access to. */
  accountIds: z.array(id).max(500).default([]),
});
export type AccessInput = z.infer<typeof accessInput>;

/**
 * Replaces a member's roles at accounts, single permissions and sub-account access, in one
 * transaction, after every check: scope, self-protection, privilege, Owner rules, redundancy.
 */
export async function setMemberAccess(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: AccessInput) {
  if (input.id === actor.memberId) throw new DomainError('SELF_ACTION', 'You cannot change your own roles or permissions: ask another admin.');
  const now = deps.clock.now().toISOString();
  return deps.db.transaction().execute(async (trx) => {
    const tree = await loadAccountTree(trx, organizationId);
    const [m] = await loadTargets(trx, organizationId, [input.id]);
    const member = m!;
    if (member.status === 'deleted') throw new DomainError('NOT_FOUND', 'This member no longer exists.');
    await assertInScope(trx, actor, 'members.edit', [member]);
    await assertMayActOn(trx, actor, organizationId, 'edit', [member], tree);

    for (const a of [...input.roles.map((r) => r.accountId), ...input.permissions.map((p) => p.accountId), ...input.accountIds])
      if (!tree.has(a)) throw new DomainError('VALIDATION', 'One of the chosen sub-accounts does not exist in this organization: reload and pick again.');
    const roles = await listRoles(trx, organizationId);
    const perms = await rolePermissions(trx, roles.map((r) => r.id));
    const roleGrants: RoleGrant[] = [];
    for (const g of input.roles) {
      const role = roles.find((r) => r.id === g.roleId);
      if (!role) throw new DomainError('VALIDATION', 'One of the chosen roles does not exist in this organization: reload and pick again.');
      if (!roleGrants.some((x) => x.roleId === g.roleId && x.accountId === g.accountId))
        roleGrants.push({ roleId: role.id, roleName: role.name, accountId: g.accountId, permissions: perms.filter((p) => p.role_id === role.id).map((p) => p.permission) });
    }
    await assertKnownPermissions(trx, organizationId, input.permissions.map((p) => p.permission));
    const permGrants: PermissionGrant[] = [];
    for (const p of input.permissions) if (!permGrants.some((x) => x.permission === p.permission && x.accountId === p.accountId)) permGrants.push(p);

    // What changes, and whether the actor may make each change where it happens.
    const [beforeRoles, beforePerms, beforeAccess] = await Promise.all([rolesOfMembers(trx, [member.id]), permissionsOfMembers(trx, [member.id]), accountsOfMembers(trx, [member.id])]);
    const roleKey = (r: { roleId: number; accountId: number }) => `${r.roleId}@${r.accountId}`;
    const permKey = (p: { permission: string; accountId: number }) => `${p.permission}@${p.accountId}`;
    const before = {
      roles: beforeRoles.map((r) => ({ roleId: r.role_id, accountId: r.account_id })),
      perms: beforePerms.map((p) => ({ permission: p.permission, accountId: p.account_id })),
    };
    const added = {
      roles: roleGrants.filter((r) => !before.roles.some((b) => roleKey(b) === roleKey(r))),
      perms: permGrants.filter((p) => !before.perms.some((b) => permKey(b) === permKey(p))),
    };
    const removed = {
      roles: before.roles.filter((b) => !roleGrants.some((r) => roleKey(b) === roleKey(r))),
      perms: before.perms.filter((b) => !permGrants.some((p) => permKey(b) === permKey(p))),
    };
    const ownerRole = roles.find((r) => r.builtin === 'owner');
    for (const r of [...added.roles, ...removed.roles]) {
      if (r.roleId === ownerRole?.id && !isOwner(actor.authz)) throw new DomainError('OWNER_ONLY', 'Only an Owner can grant or remove the Owner role.');
      const name = roles.find((x) => x.id === r.roleId)?.name ?? 'this role';
      for (const p of perms.filter((x) => x.role_id === r.roleId))
        if (!actor.authz.can(p.permission, r.accountId))
          throw new DomainError('MORE_PRIVILEGED', `You cannot grant or remove the role ${name} at ${tree.path(r.accountId)}: it holds "${permissionLabel(p.permission)}", which you do not hold there.`);
    }
    for (const p of [...added.perms, ...removed.perms])
      if (!actor.authz.can(p.permission, p.accountId))
        throw new DomainError('MORE_PRIVILEGED', `You cannot grant or remove "${permissionLabel(p.permission)}" at ${tree.path(p.accountId)} because you do not hold it there yourself.`);
    if (roleGrants.some((r) => r.roleId === ownerRole?.id && r.accountId !== tree.root.id))
      throw new DomainError('VALIDATION', 'The Owner role is granted at the company account only.');
    const redundant = redundantGrant(tree, roleGrants, permGrants);
    if (redundant) throw new DomainError('REDUNDANT_GRANT', redundant);

    // Access: explicit sub-accounts plus every account where something is granted (so its admins see the member).
    const access = new Set(input.accountIds);
    for (const g of [...roleGrants, ...permGrants]) if (g.accountId !== tree.root.id) access.add(g.accountId);
    const beforeAccessIds = beforeAccess.map((a) => a.account_id);
    for (const a of [...[...access].filter((x) => !beforeAccessIds.includes(x)), ...beforeAccessIds.filter((x) => !access.has(x))])
      if (!actor.authz.can('members.edit', a)) throw new DomainError('FORBIDDEN', `You cannot change access to ${tree.path(a)}: it is outside the accounts you manage.`);

    const wasOwner = member.status === 'accepted' && isOwner(await loadAuthz(trx, organizationId, member.id, tree));
    const staysOwner = roleGrants.some((r) => r.roleId === ownerRole?.id && r.accountId === tree.root.id);
    if (wasOwner && !staysOwner) await assertNotLastOwners(trx, organizationId, [member], tree);

    await replaceMemberRoles(trx, member.id, roleGrants.map((r) => ({ member_id: member.id, role_id: r.roleId, account_id: r.accountId })));
    await replaceMemberPermissions(trx, member.id, permGrants.map((p) => ({ member_id: member.id, permission: p.permission, account_id: p.accountId })));
    await replaceMemberAccounts(trx, member.id, [...access].map((account_id) => ({ member_id: member.id, account_id })));
    const after = await updateMember(trx, member.id, { updated_at: now });
    const describe = (rs: { roleId: number; accountId: number }[], ps: { permission: string; accountId: number }[], acc: number[]) => ({
      roles: rs.map((r) => `${roles.find((x) => x.id === r.roleId)?.name ?? r.roleId} at ${tree.path(r.accountId)}`),
      permissions: ps.map((p) => `${p.permission} at ${tree.path(p.accountId)}`),
      accounts: acc.map((a) => tree.path(a)),
    });
    const audit = memberAudit(organizationId, actor, 'member.access', member, after, now, describe(roleGrants, permGrants, [...access]));
    audit.before_json = JSON.stringify(describe(before.roles, before.perms, beforeAccessIds));
    await insertAuditRows(trx, [audit]);
    return { id: member.id };
  });
}
