import { z } from 'zod';
import { accountNameKey } from '../../shared/accounts';
import { CONSOLE_PERMISSIONS } from '../../shared/permissions';
import { listRoles } from '../db/repos/roles.repo';
import { insertMemberRoles } from '../db/repos/grants.repo';
import { AccountTree, Authz } from '../core/authz';
import { DomainError } from '../core/errors';
import { moveProblem, nestProblem } from '../core/grants';
import type { DbOrTx } from '../db/database';
import {
  grantHolderWithAnyOf,
  accountMemberCount,
  accountMemberCounts,
  claimAccountVersion,
  deleteAccount as deleteAccountRow,
  deleteGrantsAt,
  insertAccount,
  listAccounts,
  liveMembersWithoutRole,
  membersTiedToAccount,
  moveAccountAccess,
  updateAccount,
} from '../db/repos/accounts.repo';
import { insertAuditRows } from '../db/repos/audit.repo';
import { auditRow } from './audit';
import { staleSave } from './stale';
import type { ServiceDeps } from './deps';
import type { AdminActor } from './actor';
import { inviteMembersIn } from './members/invite';
import { loadAccountTree } from './organizations';

const id = z.number().int().positive();
const accountName = z.string().trim().min(1, 'Give the sub-account a name.').max(200);

export const createAccountInput = z.object({
  name: accountName,
  parentId: id.optional(),
  /** The person in charge of the new sub-account, invited in the same step with a role granted there. */
  inCharge: z.object({ email: z.string().trim().min(1, 'Enter the email address of the person in charge.').max(320), name: z.string().trim().max(200).optional(), roleId: id }).optional(),
});
/** The version the admin's copy was read at: a save over a newer one is refused (team mode). */
const version = z.number().int().positive().optional();
export const renameAccountInput = z.object({ id, name: accountName, version });
export const moveAccountInput = z.object({ id, parentId: id, version });
export const deleteAccountInput = z.object({ id, moveMembersTo: id.optional() });

/** The tree with, for each account, how many live members have access to it or are granted something there. */
export async function accountList(db: DbOrTx, organizationId: number) {
  const accounts = await listAccounts(db, organizationId);
  const tree = new AccountTree(accounts);
  // Counters kept by triggers (migration 0008): one row per account, whatever the number of members.
  const counts = await accountMemberCounts(db, organizationId);
  return accounts.map((a) => ({ id: a.id, name: a.name, parentId: a.parent_id, path: tree.path(a.id), members: counts.get(a.id) ?? 0, version: a.version }));
}

function assertManages(actor: AdminActor, tree: AccountTree, accountId: number): void {
  if (!actor.authz.can('accounts.manage', accountId)) throw new DomainError('FORBIDDEN', `You do not manage ${tree.path(accountId)}.`);
}

function requireAccount(tree: AccountTree, accountId: number): void {
  if (!tree.has(accountId)) throw new DomainError('NOT_FOUND', 'That account no longer exists: reload and try again.');
}

/** With the version the admin's copy was read at, a save over another admin's newer one is refused. */
async function claimVersion(trx: DbOrTx, accountId: number, version: number | undefined): Promise<void> {
  // One conditional update: of two saves racing from one copy, only the first finds its version.
  if (version !== undefined && !(await claimAccountVersion(trx, accountId, version))) throw await staleSave(trx, 'account', accountId);
}

const sameName = (a: string, b: string) => accountNameKey(a) === accountNameKey(b);

/** Sibling accounts never share a name (case-insensitive): the tree and the pickers show names and paths only. */
function assertNameFree(tree: AccountTree, parentId: number, name: string, exceptId?: number): void {
  const taken = tree.subtree(parentId).some((id) => id !== exceptId && tree.get(id)?.parent_id === parentId && sameName(tree.get(id)!.name, name));
  if (taken) throw new DomainError('NAME_TAKEN', `${tree.path(parentId)} already has a sub-account called "${name.trim()}": choose another name.`, { field: 'name' });
}

const target = (tree: AccountTree, accountId: number, name?: string) => ({ type: 'account', id: accountId, label: name ?? tree.get(accountId)?.name ?? null });

/** Creates a sub-account and, when asked, invites the person in charge of it, in one transaction. */
export async function createAccount(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: z.infer<typeof createAccountInput>) {
  const now = deps.clock.now().toISOString();
  return deps.db.transaction().execute(async (trx) => {
    const tree = await loadAccountTree(trx, organizationId);
    const parentId = input.parentId ?? tree.root.id;
    requireAccount(tree, parentId);
    assertManages(actor, tree, parentId);
    const tooDeep = nestProblem(tree, parentId);
    if (tooDeep) throw new DomainError('VALIDATION', tooDeep, { field: 'parentId' });
    assertNameFree(tree, parentId, input.name);
    const account = await insertAccount(trx, { organization_id: organizationId, parent_id: parentId, name: input.name, created_at: now });
    await insertAuditRows(trx, [auditRow(organizationId, actor, 'account.create', target(tree, account.id, account.name), null, { name: account.name, parent: tree.path(parentId) }, now)]);
    let invited: { memberId: number; email: string } | null = null;
    if (input.inCharge) {
      // The actor's view of the tree must include the new account for the invite's checks.
      const scoped: AdminActor = { ...actor, authz: new Authz(actor.authz.grants, await loadAccountTree(trx, organizationId)) };
      const r = await inviteMembersIn(deps, trx, scoped, organizationId, {
        entries: [{ email: input.inCharge.email, name: input.inCharge.name ?? null }],
        grants: { roleIds: [input.inCharge.roleId], accountIds: [account.id], permissions: [], grantAccountId: account.id },
        resendExisting: false,
      });
      const skip = r.skipped[0];
      if (skip) throw new DomainError('VALIDATION', `${skip.email}: ${skip.message}. The sub-account was not created.`, { field: 'inCharge.email' });
      invited = r.invited[0] ? { memberId: r.invited[0].memberId, email: r.invited[0].email } : null;
    }
    return { id: account.id, name: account.name, parentId, invited };
  });
}

export async function renameAccount(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: z.infer<typeof renameAccountInput>) {
  const now = deps.clock.now().toISOString();
  return deps.db.transaction().execute(async (trx) => {
    const tree = await loadAccountTree(trx, organizationId);
    requireAccount(tree, input.id);
    assertManages(actor, tree, input.id);
    await claimVersion(trx, input.id, input.version);
    const before = tree.get(input.id)!.name;
    const parentId = tree.get(input.id)!.parent_id;
    if (parentId !== null) assertNameFree(tree, parentId, input.name, input.id);
    await updateAccount(trx, input.id, { name: input.name });
    await insertAuditRows(trx, [auditRow(organizationId, actor, 'account.rename', target(tree, input.id, input.name), { name: before }, { name: input.name }, now)]);
    return { id: input.id, name: input.name };
  });
}

/** Moves a sub-account (with its subtree) under another account; never under itself. */
export async function moveAccount(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: z.infer<typeof moveAccountInput>) {
  const now = deps.clock.now().toISOString();
  return deps.db.transaction().execute(async (trx) => {
    const tree = await loadAccountTree(trx, organizationId);
    requireAccount(tree, input.id);
    requireAccount(tree, input.parentId);
    assertManages(actor, tree, input.id);
    assertManages(actor, tree, input.parentId);
    await claimVersion(trx, input.id, input.version);
    const problem = moveProblem(tree, input.id, input.parentId);
    if (problem) throw new DomainError('VALIDATION', problem);
    assertNameFree(tree, input.parentId, tree.get(input.id)!.name, input.id);
    const before = tree.path(input.id);
    await updateAccount(trx, input.id, { parent_id: input.parentId });
    const after = (await loadAccountTree(trx, organizationId)).path(input.id);
    await insertAuditRows(trx, [auditRow(organizationId, actor, 'account.move', target(tree, input.id), { path: before }, { path: after }, now)]);
    return { id: input.id, parentId: input.parentId };
  });
}

/** Deletes a sub-account without sub-accounts; refuses while members depend on it unless they are moved. */
export async function deleteAccount(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: z.infer<typeof deleteAccountInput>) {
  const now = deps.clock.now().toISOString();
  return deps.db.transaction().execute(async (trx) => {
    const tree = await loadAccountTree(trx, organizationId);
    requireAccount(tree, input.id);
    if (input.id === tree.root.id) throw new DomainError('VALIDATION', 'The company account cannot be deleted.');
    assertManages(actor, tree, input.id);
    if (tree.subtree(input.id).length > 1) throw new DomainError('IN_USE', `${tree.path(input.id)} has sub-accounts: move or delete them first.`);
    // The roles and permissions granted here go with the account: nobody acts that way on someone with
    // more privilege (outranks, core/authz.ts). The admin's own grants there do not make them outrank themselves.
    const lacking = CONSOLE_PERMISSIONS.filter((p) => !actor.authz.can(p));
    const outranking = await grantHolderWithAnyOf(trx, input.id, lacking, actor.memberId);
    if (outranking) {
      const others = outranking.total - 1;
      throw new DomainError(
        'MORE_PRIVILEGED',
        `${outranking.email}${others > 0 ? ` and ${others} other${others === 1 ? '' : 's'}` : ''} with more privilege than you hold${others > 0 ? '' : 's'} roles or permissions at ${tree.path(input.id)}: deleting it would take them away. Ask an admin who holds at least what they hold.`,
      );
    }
    const dependents = await accountMemberCount(trx, input.id);
    let movedTo: number | null = null;
    if (dependents > 0) {
      if (input.moveMembersTo === undefined)
        throw new DomainError('IN_USE', `${dependents} member${dependents === 1 ? ' depends' : 's depend'} on ${tree.path(input.id)}: choose an account to move them to.`, { members: dependents });
      requireAccount(tree, input.moveMembersTo);
      if (input.moveMembersTo === input.id) throw new DomainError('VALIDATION', 'Move the members to another account than the one being deleted.');
      assertManages(actor, tree, input.moveMembersTo);
      movedTo = input.moveMembersTo;
    }
    // Members keep access (moved to the chosen account); the roles and permissions granted at the
    // deleted account go with it: moving them up could make a sub-account admin an organization admin.
    const affected = await membersTiedToAccount(trx, organizationId, input.id);
    if (movedTo !== null) await moveAccountAccess(trx, input.id, movedTo);
    await deleteGrantsAt(trx, input.id);
    // A role is mandatory: whoever held roles only at the deleted account keeps the Member role.
    const memberRole = (await listRoles(trx, organizationId)).find((r) => r.builtin === 'member')!;
    const roleless = await liveMembersWithoutRole(trx, affected.map((m) => m.id));
    if (roleless.length) await insertMemberRoles(trx, roleless.map((m) => ({ member_id: m.id, role_id: memberRole.id, account_id: movedTo ?? tree.root.id })));
    await insertAuditRows(
      trx,
      affected.map((m) =>
        auditRow(organizationId, actor, 'member.account_removed', { type: 'member', id: m.id, label: m.email }, { account: tree.path(input.id) }, movedTo !== null ? { accessMovedTo: tree.path(movedTo) } : null, now),
      ),
    );
    await deleteAccountRow(trx, input.id);
    await insertAuditRows(trx, [
      auditRow(organizationId, actor, 'account.delete', target(tree, input.id), { path: tree.path(input.id) }, movedTo !== null ? { membersMovedTo: tree.path(movedTo), members: dependents } : null, now),
    ]);
    return { id: input.id, movedMembers: dependents };
  });
}
