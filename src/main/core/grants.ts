import type { AccountTree, Authz } from './authz';
import { ACCOUNT_DEPTH_TEXT, MAX_ACCOUNT_DEPTH } from '../../shared/accounts';

/** A role granted to a member at an account, with what the role holds. */
export interface RoleGrant {
  roleId: number;
  roleName: string;
  accountId: number;
  permissions: string[];
}

/** An extra single permission granted at an account. */
export interface PermissionGrant {
  permission: string;
  accountId: number;
}

/**
 * The first redundant grant in a member's set, explained, or null. A grant is redundant when the
 * same role (or, for a single permission, a role holding it or the same permission) is already
 * granted at one of the account's ancestors, which includes the account.
 */
export function redundantGrant(tree: AccountTree, roles: RoleGrant[], perms: PermissionGrant[]): string | null {
  for (const r of roles) {
    for (const anc of tree.ancestors(r.accountId)) {
      if (roles.some((o) => o.roleId === r.roleId && o.accountId === anc))
        return `The role ${r.roleName} at ${tree.path(r.accountId)} is redundant: it is already granted at ${tree.path(anc)}, which includes that sub-account.`;
    }
  }
  for (const p of perms) {
    for (const at of [p.accountId, ...tree.ancestors(p.accountId)]) {
      const byRole = roles.find((r) => r.accountId === at && r.permissions.includes(p.permission));
      if (byRole)
        return `The permission "${p.permission}" at ${tree.path(p.accountId)} is redundant: the role ${byRole.roleName} already grants it at ${tree.path(at)}.`;
      if (at !== p.accountId && perms.some((o) => o.permission === p.permission && o.accountId === at))
        return `The permission "${p.permission}" at ${tree.path(p.accountId)} is redundant: it is already granted at ${tree.path(at)}, which includes that sub-account.`;
    }
  }
  return null;
}

/** Why an account cannot be moved under another one, or null when it can. */
export function moveProblem(tree: AccountTree, id: number, newParentId: number): string | null {
  if (!tree.has(id) || !tree.has(newParentId)) return 'That account no longer exists: reload and try again.';
  if (id === tree.root.id) return 'The company account is the top of the tree: it cannot be moved.';
  if (tree.subtree(id).includes(newParentId)) return 'An account cannot be moved under itself or one of its own sub-accounts.';
  const reach = tree.depth(newParentId) + 1 + tree.height(id);
  if (reach > MAX_ACCOUNT_DEPTH) return `${ACCOUNT_DEPTH_TEXT}: under ${tree.path(newParentId)}, ${tree.get(id)!.name} and its sub-accounts would reach level ${reach}.`;
  return null;
}

/** Why a sub-account cannot be created under `parentId`, or null. */
export function nestProblem(tree: AccountTree, parentId: number): string | null {
  if (tree.depth(parentId) + 1 > MAX_ACCOUNT_DEPTH) return `${ACCOUNT_DEPTH_TEXT}: ${tree.path(parentId)} is at level ${MAX_ACCOUNT_DEPTH} already.`;
  return null;
}

/** The permissions, among those added or removed, that the actor does not hold at the account. */
export function ungrantable(actor: Authz, before: string[], after: string[], accountId: number = actor.tree.root.id): string[] {
  const b = new Set(before);
  const a = new Set(after);
  const changed = [...[...a].filter((p) => !b.has(p)), ...[...b].filter((p) => !a.has(p))];
  return changed.filter((p) => !actor.can(p, accountId)).sort();
}

/**
 * Where a sub-account admin's invitations go when they name none: the single highest account at
 * which they hold the permission, or null when they hold it org-wide or at several places.
 */
export function defaultTeamAccount(actor: Authz, permission: string): number | null {
  if (actor.can(permission)) return null;
  const granted = [...new Set(actor.grants.filter((g) => g.permission === permission).map((g) => g.accountId))];
  const top = granted.filter((id) => !actor.tree.ancestors(id).some((a) => granted.includes(a)));
  return top.length === 1 ? top[0]! : null;
}
