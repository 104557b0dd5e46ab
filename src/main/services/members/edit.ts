import { z } from 'zod';
import { invisibleAddressProblem } from '../../../shared/invisible-text';
import { SKIP_REASON_TEXT, isValidEmail, normalizeEmail, policyProblem } from '../../core/addresses';
import { DomainError } from '../../core/errors';
import { canApply } from '../../core/lifecycle';
import { insertAuditRows } from '../../db/repos/audit.repo';
import { findRoleHeldElsewhere, insertMemberRoles, takeMemberRolesAt } from '../../db/repos/grants.repo';
import { revokeLinks } from '../../db/repos/links.repo';
import { findLiveMembersByEmail, updateMember, updateMemberAtVersion } from '../../db/repos/members.repo';
import { listRoles } from '../../db/repos/roles.repo';
import type { NewAuditRow } from '../../db/tables/audit.table';
import type { Member } from '../../db/tables/member.table';
import { isOwner, type AdminActor } from '../actor';
import { memberAudit } from '../audit';
import type { ServiceDeps } from '../deps';
import { loadAuthz, settingsOf } from '../organizations';
import { normalizePhone } from '../phones';
import { staleSave } from '../stale';
import { runMemberCommand } from './commands';
import { inviteGrants, resolveGrants, writeGrants } from './grants';
import { assertControlsExistingGrants, assertNotLastOwners } from './guards';
import { INVALID_PHONE_TEXT } from './invite';
import { issueLink, saveLinks } from './links';

/** Editing members: one member's details and grants, or the roles of many at once. */

export const editInput = z.object({
  id: z.number().int().positive(),
  email: z.string().max(320).optional(),
  name: z.string().trim().max(200).regex(/^[^\r\n]*$/, 'Names cannot contain line breaks.').nullable().optional(),
  phone: z.string().trim().max(40).nullable().optional(),
  grants: inviteGrants.optional(),
  /** The version the admin's copy was read at: a save over a newer one is refused (team mode). */
  version: z.number().int().positive().optional(),
});

export function editMember(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: z.infer<typeof editInput>) {
  const grantsChange = input.grants !== undefined;
  return runMemberCommand(deps, actor, organizationId, [input.id], 'edit', 'members.edit', async ({ trx, members, now, org, tree }) => {
    const m = members[0]!;
    if (grantsChange && m.id === actor.memberId) throw new DomainError('SELF_ACTION', 'You cannot change your own roles or permissions: ask another admin.');
    if (input.version !== undefined && m.version !== input.version) throw await staleSave(trx, 'member', m.id);
    const patch: Partial<Member> = { updated_at: now };
    let reissue = false;
    if (input.email !== undefined && normalizeEmail(input.email) !== m.email_normalized) {
      if (!canApply('editEmail', m.status))
        throw new DomainError('TRANSITION_NOT_ALLOWED', 'The email address cannot be changed once the person has accepted: invite the new address and delete this member.');
      const email = input.email.trim();
      const invisible = invisibleAddressProblem(email);
      if (invisible) throw new DomainError('VALIDATION', `${invisible}.`, { field: 'email' });
      if (!isValidEmail(email)) throw new DomainError('VALIDATION', `"${email}" is not a valid email address.`, { field: 'email' });
      const problem = policyProblem(email, settingsOf(org));
      if (problem) throw new DomainError('VALIDATION', `${email}: ${SKIP_REASON_TEXT[problem]}.`, { field: 'email' });
      if ((await findLiveMembersByEmail(trx, organizationId, [normalizeEmail(email)])).length)
        throw new DomainError('EMAIL_TAKEN', `${email} is already a member or invited in this organization.`, { field: 'email' });
      patch.email = email;
      patch.email_normalized = normalizeEmail(email);
      reissue = m.status === 'pending';
    }
    if (input.name !== undefined) patch.name = input.name || null;
    if (input.phone !== undefined) {
      if (input.phone) {
        const parsed = normalizePhone(input.phone);
        if (!parsed) throw new DomainError('VALIDATION', INVALID_PHONE_TEXT, { field: 'phone' });
        patch.phone = parsed.e164;
        patch.phone_digits = parsed.digits;
      } else {
        patch.phone = null;
        patch.phone_digits = null;
      }
    }
    if (grantsChange) {
      await assertControlsExistingGrants(trx, actor, m);
      const resolved = await resolveGrants(trx, organizationId, actor, input.grants!, tree, 'members.edit');
      const beforeOwner = m.status === 'accepted' && isOwner(await loadAuthz(trx, organizationId, m.id, tree));
      const roles = await listRoles(trx, organizationId);
      const staysOwner = resolved.roleIds.some((id) => roles.find((r) => r.id === id)?.builtin === 'owner');
      if (beforeOwner && !staysOwner) {
        if (!isOwner(actor.authz)) throw new DomainError('OWNER_ONLY', 'Only an Owner can remove the Owner role.');
        await assertNotLastOwners(trx, organizationId, [m], tree);
      }
      await writeGrants(trx, [m.id], resolved, true);
    }
    // Conditional on the version read above: another process saving in between makes this one stale.
    const after = input.version === undefined ? await updateMember(trx, m.id, patch) : await updateMemberAtVersion(trx, m.id, m.version, patch);
    if (!after) throw await staleSave(trx, 'member', m.id);
    const audit = [memberAudit(organizationId, actor, 'member.edit', m, after, now, grantsChange ? { grants: input.grants } : undefined)];
    if (reissue) {
      // The old address must not be able to accept: its links stop working and the new address gets one.
      await revokeLinks(trx, [m.id], 'superseded', now, 'invitation');
      await saveLinks(deps, trx, [issueLink(deps, after, 'invitation', 'invitation', after.invite_expires_at ?? now, now, actor)]);
    }
    await insertAuditRows(trx, audit);
    return [after];
  });
}

/** Bulk role change in one transaction: the chosen roles replace each member's roles at the company account. */
export function setMemberRoles(deps: ServiceDeps, actor: AdminActor, organizationId: number, ids: number[], roleIds: number[]) {
  if (ids.includes(actor.memberId)) throw new DomainError('SELF_ACTION', 'You cannot change your own roles or permissions: ask another admin.');
  return runMemberCommand(deps, actor, organizationId, ids, 'edit', 'members.edit', async ({ trx, members, now, tree }) => {
    const resolved = await resolveGrants(trx, organizationId, actor, { roleIds, accountIds: [], permissions: [], grantAccountId: tree.root.id }, tree, 'members.edit');
    const roles = await listRoles(trx, organizationId);
    // The company account includes every sub-account: the same role held below would be redundant.
    const below = await findRoleHeldElsewhere(trx, ids, roleIds, tree.root.id);
    if (below) {
      const who = members.find((m) => m.id === below.member_id)!;
      const role = roles.find((r) => r.id === below.role_id)!;
      throw new DomainError('REDUNDANT_GRANT', `${who.email} already holds ${role.name} at ${tree.path(below.account_id)}: granting it at the company account would repeat it. Remove it there first.`);
    }
    const toOwner = roleIds.some((id) => roles.find((r) => r.id === id)?.builtin === 'owner');
    const owners: Member[] = [];
    for (const m of members) if (m.status === 'accepted' && isOwner(await loadAuthz(trx, organizationId, m.id, tree))) owners.push(m);
    if (owners.length && !toOwner) {
      if (!isOwner(actor.authz)) throw new DomainError('OWNER_ONLY', 'Only an Owner can remove the Owner role.');
      await assertNotLastOwners(trx, organizationId, owners, tree);
    }
    const audit: NewAuditRow[] = [];
    for (const m of members) {
      const before = await takeMemberRolesAt(trx, m.id, tree.root.id);
      await insertMemberRoles(trx, roleIds.map((role_id) => ({ member_id: m.id, role_id, account_id: tree.root.id })));
      const after = await updateMember(trx, m.id, { updated_at: now });
      audit.push(
        memberAudit(organizationId, actor, 'member.roles', m, after, now, {
          rolesBefore: before.map((roleId) => roles.find((r) => r.id === roleId)?.name),
          roles: resolved.roleNames,
        }),
      );
    }
    await insertAuditRows(trx, audit);
    return members;
  });
}
