import type { MemberAction } from '../../../shared/statuses';
import type { AccountTree } from '../../core/authz';
import { DomainError } from '../../core/errors';
import { canApply, transitionRefusal } from '../../core/lifecycle';
import type { DbOrTx } from '../../db/database';
import { accountsOfMembers, grantScopesOfMember } from '../../db/repos/grants.repo';
import { countAcceptedOwners, findMembers } from '../../db/repos/members.repo';
import type { Member } from '../../db/tables/member.table';
import { isOwner, type AdminActor } from '../actor';
import { loadAuthz } from '../organizations';
import { rankRefusal, selfRefusal } from './permits';

/** The assertions on who may act on whom, run before any member command changes a row. */

export async function loadTargets(trx: DbOrTx, organizationId: number, ids: number[]): Promise<Member[]> {
  const members = await findMembers(trx, organizationId, [...new Set(ids)]);
  if (members.length !== new Set(ids).size) throw new DomainError('NOT_FOUND', 'Some of these members no longer exist: reload the list.');
  return members;
}

/** The member must be within the actor's reach for this permission (org-wide, or at one of its sub-accounts). */
export async function assertInScope(trx: DbOrTx, actor: AdminActor, permission: string, members: Member[]): Promise<void> {
  if (actor.authz.can(permission)) return;
  // The same rule as permits.scopeRefusal, asked for many members at once.
  const access = await accountsOfMembers(trx, members.map((m) => m.id));
  for (const m of members) {
    const accounts = access.filter((a) => a.member_id === m.id).map((a) => a.account_id);
    if (!actor.authz.canAtAny(permission, accounts))
      throw new DomainError('FORBIDDEN', `${m.email} is outside the accounts you manage.`);
  }
}

/** Nobody acts on themselves (for these actions) nor on someone with more privilege. */
export async function assertMayActOn(trx: DbOrTx, actor: AdminActor, organizationId: number, action: MemberAction, members: Member[], tree: AccountTree): Promise<void> {
  for (const m of members) {
    const self = selfRefusal(actor, m.id, action);
    if (self) throw new DomainError('SELF_ACTION', self);
    if (m.status !== 'deleted') {
      const rank = rankRefusal(actor, m, await loadAuthz(trx, organizationId, m.id, tree));
      if (rank) throw new DomainError('MORE_PRIVILEGED', rank);
    }
  }
}

/**
 * Replacing a member's grants removes the old ones too: the actor must control every one of them,
 * or a sub-account admin could strip access granted elsewhere.
 */
export async function assertControlsExistingGrants(trx: DbOrTx, actor: AdminActor, m: Member): Promise<void> {
  const held = await grantScopesOfMember(trx, m.id);
  const outside =
    held.permissions.some((g) => !actor.authz.can('members.edit', g.account_id) || !actor.authz.can(g.permission, g.account_id)) ||
    held.accountIds.some((accountId) => !actor.authz.can('members.edit', accountId));
  if (outside)
    throw new DomainError('FORBIDDEN', `${m.email} holds roles or access outside what you manage: change only yours in the member's "Roles and access".`);
}

export function assertTransition(action: MemberAction, members: Member[]): void {
  const refused = members.filter((m) => !canApply(action, m.status));
  if (refused.length === 1) throw new DomainError('TRANSITION_NOT_ALLOWED', `${refused[0]!.email}: ${transitionRefusal(action, refused[0]!.status)}`);
  if (refused.length > 1)
    throw new DomainError('TRANSITION_NOT_ALLOWED', `${refused.length} of the selected members cannot be changed this way (for example ${refused[0]!.email}: ${transitionRefusal(action, refused[0]!.status)}). Nothing was changed.`);
}

export async function assertNotLastOwners(trx: DbOrTx, organizationId: number, members: Member[], tree: AccountTree): Promise<void> {
  let owners = 0;
  for (const m of members) if (m.status === 'accepted' && isOwner(await loadAuthz(trx, organizationId, m.id, tree))) owners++;
  if (owners > 0 && owners >= (await countAcceptedOwners(trx, organizationId)))
    throw new DomainError('LAST_OWNER', 'The last Owner can be neither removed, deactivated nor demoted: make someone else Owner first.');
}
