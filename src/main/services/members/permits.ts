import type { MemberAction, MemberStatus } from '../../../shared/statuses';
import { permissionLabel } from '../../../shared/permissions';
import { outranks, type Authz } from '../../core/authz';
import { adminActionsFor } from '../../core/lifecycle';
import { isOwner, type AdminActor } from '../actor';

/**
 * What the signed-in admin may do to one member, by the same rules the member commands assert
 * (guards.ts and grants.ts call these too): the UI offers only these, and says why for the others.
 */

/** The permission each row action needs (as the members router declares it). */
export const ACTION_PERMISSION: Partial<Record<MemberAction, string>> = {
  resend: 'members.invite',
  reinvite: 'members.invite',
  cancel: 'members.invite',
  copyLink: 'members.invite',
  copyReactivationLink: 'members.deactivate',
  deactivate: 'members.deactivate',
  reactivate: 'members.deactivate',
  delete: 'members.delete',
  edit: 'members.edit',
  passwordReset: 'members.edit',
};

export function selfRefusal(actor: { memberId: number }, targetId: number, action: MemberAction): string | null {
  if (targetId === actor.memberId && (action === 'delete' || action === 'deactivate')) return `You cannot ${action} yourself: ask another admin.`;
  return null;
}

export function rankRefusal(actor: { authz: Authz }, target: { email: string; status: MemberStatus }, targetAuthz: Authz): string | null {
  // Pending, expired, declined and cancelled members hold their grants too: whoever accepts gets them.
  if (target.status !== 'deleted' && outranks(targetAuthz, actor.authz))
    return `${target.email} has more privileges than you: only someone with at least the same can do this.`;
  return null;
}

export function scopeRefusal(actor: { authz: Authz }, permission: string, target: { email: string }, accountIds: number[]): string | null {
  if (actor.authz.can(permission) || actor.authz.canAtAny(permission, accountIds)) return null;
  return `${target.email} is outside the accounts you manage.`;
}

export interface RowPermits {
  /** The actions this admin may take on the member now. */
  actions: MemberAction[];
  /** The actions the member's status allows but this admin may not take, each with the reason. */
  refused: { action: MemberAction; reason: string }[];
  /** Why "Change role…" is not offered (yourself, or someone who outranks you), or null. */
  rolesRefusal: string | null;
}

/** The row's actions for its status, split into those the actor may take and those refused (with why). */
export function rowPermits(actor: AdminActor, target: { id: number; email: string; status: MemberStatus }, accountIds: number[], targetAuthz: Authz): RowPermits {
  // Whether the member outranks the actor, asked once per row (not once per action: a page asks it for fifty rows).
  let rank: string | null | undefined;
  const rolesRefusal = target.id === actor.memberId ? 'Nobody can change their own roles: ask another admin.' : (rank = rankRefusal(actor, target, targetAuthz));
  const out: RowPermits = { actions: [], refused: [], rolesRefusal };
  for (const action of adminActionsFor(target.status)) {
    const permission = ACTION_PERMISSION[action] ?? 'members.edit';
    let reason: string | null = null;
    if (!actor.authz.canAnywhere(permission)) reason = `You need the “${permissionLabel(permission)}” permission for this.`;
    reason ??= scopeRefusal(actor, permission, target, accountIds);
    reason ??= selfRefusal(actor, target.id, action);
    // Editing details is checked grant by grant on save; the other commands refuse anyone who outranks the actor.
    if (action !== 'edit' && reason === null) reason = rank === undefined ? (rank = rankRefusal(actor, target, targetAuthz)) : rank;
    if (reason) out.refused.push({ action, reason });
    else out.actions.push(action);
  }
  return out;
}

/** Why this actor may not hand out a role at an account (null when they may): the rule resolveGrants asserts. */
export function roleGrantRefusal(authz: Authz, role: { name: string; builtin: string | null; permissions: string[] }, accountId: number = authz.tree.root.id): string | null {
  if (role.builtin === 'owner' && !isOwner(authz)) return 'Only an Owner can grant the Owner role.';
  const missing = role.permissions.find((p) => !authz.can(p, accountId));
  if (missing) return `You cannot grant “${role.name}”: it includes “${permissionLabel(missing)}”, which you do not hold yourself.`;
  return null;
}
