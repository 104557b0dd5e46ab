import { z } from 'zod';
import { BULK_BATCH, bulkSummary, mergeSkips, type BulkAction, type SkipCount, type SkipReason } from '../../../shared/bulk';
import type { ConsolePermission } from '../../../shared/permissions';
import { MEMBER_STATUSES, type MemberAction } from '../../../shared/statuses';
import { Authz, outranks, type Grant } from '../../core/authz';
import { DomainError } from '../../core/errors';
import { canApply } from '../../core/lifecycle';
import { accountsOfMembers, findRoleHeldElsewhere, grantsOfMembers } from '../../db/repos/grants.repo';
import { countAcceptedOwners, countMembersMatching, findMembers, homeOrganizationOfPerson, memberIdsMatching, type MemberFilter } from '../../db/repos/members.repo';
import { listRoles } from '../../db/repos/roles.repo';
import type { Member } from '../../db/tables/member.table';
import { isOwner, type AdminActor } from '../actor';
import type { ServiceDeps } from '../deps';
import { loadAccountTree } from '../organizations';
import { cancelInvitations, deactivateMembers, deleteMembers, reactivateMembers, reinviteMembers, resendInvitations, sendPasswordResets, type BulkResult } from './commands';
import { setMemberRoles } from './edit';
import { expireDue } from './expiry';

/**
 * Bulk actions over a selection given as ids or as the list's filter (resolved here, on the
 * server): one batch of BULK_BATCH members per call, each batch one transaction through the
 * single-member commands and their guards. Members an action is not allowed for are left alone
 * and counted by reason, so the admin reads "Deactivated 998; skipped 6: 5 pending (cancel them
 * instead), 1 is you" instead of a refused batch.
 */

export const memberFilter = z.object({
  status: z.enum(MEMBER_STATUSES).optional(),
  search: z.string().trim().max(200).optional(),
  roleId: z.number().int().positive().optional(),
  accountId: z.number().int().positive().optional(),
});
export type MemberFilterInput = z.infer<typeof memberFilter>;

export const bulkSelection = z.object({
  ids: z.array(z.number().int().positive()).max(100_000).optional(),
  filter: memberFilter.optional(),
  /** Keyset cursor: the last member id the previous batch covered. */
  after: z.number().int().nullish(),
}).refine((s) => (s.ids === undefined) !== (s.filter === undefined), 'Select members, or all those matching the list.');
export type BulkSelection = z.infer<typeof bulkSelection>;

export interface BulkBatch {
  /** Members the batch covered (applied + skipped). */
  processed: number;
  applied: number;
  skipped: SkipCount[];
  /** The cursor for the next batch; null when the selection is done. */
  next: number | null;
  message: string;
}

/** The permission each bulk action needs: the router declares it per procedure, the service checks it again. */
export const BULK_PERMISSION: Record<BulkAction, ConsolePermission> = {
  setRoles: 'members.edit',
  resend: 'members.invite',
  reinvite: 'members.invite',
  cancel: 'members.invite',
  deactivate: 'members.deactivate',
  reactivate: 'members.deactivate',
  passwordReset: 'members.edit',
  delete: 'members.delete',
};

const TRANSITION: Record<BulkAction, MemberAction> = {
  setRoles: 'edit',
  resend: 'resend',
  reinvite: 'reinvite',
  cancel: 'cancel',
  deactivate: 'deactivate',
  reactivate: 'reactivate',
  passwordReset: 'passwordReset',
  delete: 'delete',
};

function filterOf(actor: AdminActor, organizationId: number, f: MemberFilterInput): MemberFilter {
  return { organizationId, status: f.status, search: f.search || undefined, roleId: f.roleId, accountId: f.accountId, scopeAccountIds: actor.authz.scope('members.view') };
}

export async function countMatching(deps: ServiceDeps, actor: AdminActor, organizationId: number, f: MemberFilterInput): Promise<number> {
  // A million members' count takes 100–500 ms: on the SQLite file it runs in the read worker, not on the event loop.
  const filter = filterOf(actor, organizationId, f);
  return deps.reads ? deps.reads.countMatching(filter) : countMembersMatching(deps.db, filter);
}

async function batchIds(deps: ServiceDeps, actor: AdminActor, organizationId: number, s: BulkSelection): Promise<{ ids: number[]; next: number | null }> {
  const after = s.after ?? null;
  let ids: number[];
  if (s.ids) ids = [...new Set(s.ids)].sort((a, b) => a - b).filter((id) => after === null || id > after).slice(0, BULK_BATCH + 1);
  else ids = await memberIdsMatching(deps.db, filterOf(actor, organizationId, s.filter!), after, BULK_BATCH + 1);
  const more = ids.length > BULK_BATCH;
  ids = ids.slice(0, BULK_BATCH);
  return { ids, next: more ? ids[ids.length - 1]! : null };
}

/** Sorts a batch into the members the action applies to and the rest, by reason (reads only). */
async function classify(deps: ServiceDeps, actor: AdminActor, organizationId: number, action: BulkAction, ids: number[], roleIds: number[]) {
  const db = deps.db;
  const skips = new Map<number, SkipReason>();
  const members = await findMembers(db, organizationId, ids);
  for (const id of ids) if (!members.some((m) => m.id === id)) skips.set(id, 'gone');
  const tree = await loadAccountTree(db, organizationId);
  const permission = BULK_PERMISSION[action];
  if (!actor.authz.can(permission)) {
    const access = await accountsOfMembers(db, members.map((m) => m.id));
    for (const m of members)
      if (!actor.authz.canAtAny(permission, access.filter((a) => a.member_id === m.id).map((a) => a.account_id))) skips.set(m.id, 'scope');
  }
  const grants = await grantsOfMembers(db, members.map((m) => m.id));
  const authzOf = (m: Member) =>
    new Authz(grants.filter((g) => g.member_id === m.id).map((g): Grant => ({ permission: g.permission, accountId: g.account_id, roleName: g.role_name })), tree);
  const selfMatters = action === 'deactivate' || action === 'delete' || action === 'setRoles';
  for (const m of members) {
    if (skips.has(m.id)) continue;
    if (selfMatters && m.id === actor.memberId) skips.set(m.id, 'self');
    else if (!canApply(TRANSITION[action], m.status)) skips.set(m.id, `status:${m.status}`);
    else if (m.status !== 'deleted' && outranks(authzOf(m), actor.authz)) skips.set(m.id, 'privileged');
  }
  let allowed = members.filter((m) => !skips.has(m.id));
  const owners = allowed.filter((m) => m.status === 'accepted' && isOwner(authzOf(m)));
  if (action === 'setRoles' && owners.length) {
    const roles = await listRoles(db, organizationId);
    const staysOwner = roleIds.some((id) => roles.find((r) => r.id === id)?.builtin === 'owner');
    if (!staysOwner && !isOwner(actor.authz)) for (const m of owners) skips.set(m.id, 'ownerOnly');
    else if (!staysOwner && owners.length >= (await countAcceptedOwners(db, organizationId))) for (const m of owners) skips.set(m.id, 'lastOwner');
  }
  if ((action === 'deactivate' || action === 'delete') && owners.length && owners.length >= (await countAcceptedOwners(db, organizationId)))
    for (const m of owners) skips.set(m.id, 'lastOwner');
  if (action === 'passwordReset')
    for (const m of allowed) {
      if (m.person_id === null) continue;
      const home = await homeOrganizationOfPerson(db, m.person_id);
      if (home !== undefined && home !== organizationId) skips.set(m.id, 'otherOrganization');
    }
  if (action === 'setRoles') {
    // The same role held at a sub-account would repeat at the company account: those are left alone.
    let rest = allowed.filter((m) => !skips.has(m.id)).map((m) => m.id);
    for (let found = rest.length ? await findRoleHeldElsewhere(db, rest, roleIds, tree.root.id) : undefined; found; ) {
      skips.set(found.member_id, 'redundant');
      rest = rest.filter((id) => id !== found!.member_id);
      found = rest.length ? await findRoleHeldElsewhere(db, rest, roleIds, tree.root.id) : undefined;
    }
  }
  allowed = allowed.filter((m) => !skips.has(m.id));
  const counts = new Map<SkipReason, number>();
  for (const reason of skips.values()) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return { allowed: allowed.map((m) => m.id), skipped: [...counts].map(([reason, count]) => ({ reason, count })) };
}

function command(deps: ServiceDeps, actor: AdminActor, organizationId: number, action: BulkAction, ids: number[], roleIds: number[]): Promise<BulkResult> {
  switch (action) {
    case 'setRoles':
      return setMemberRoles(deps, actor, organizationId, ids, roleIds);
    case 'resend':
      return resendInvitations(deps, actor, organizationId, ids);
    case 'reinvite':
      return reinviteMembers(deps, actor, organizationId, ids);
    case 'cancel':
      return cancelInvitations(deps, actor, organizationId, ids);
    case 'deactivate':
      return deactivateMembers(deps, actor, organizationId, ids);
    case 'reactivate':
      return reactivateMembers(deps, actor, organizationId, ids);
    case 'passwordReset':
      return sendPasswordResets(deps, actor, organizationId, ids);
    case 'delete':
      return deleteMembers(deps, actor, organizationId, ids);
  }
}

/** One batch of a bulk action: the members it applies to change in one transaction; the rest are counted by reason. */
export async function runBulkBatch(deps: ServiceDeps, actor: AdminActor, organizationId: number, action: BulkAction, selection: BulkSelection, roleIds: number[] = []): Promise<BulkBatch> {
  if (!actor.authz.canAnywhere(BULK_PERMISSION[action])) throw new DomainError('FORBIDDEN', 'Your roles do not allow this. Ask an Owner or Admin for the permission.');
  if (action === 'setRoles' && roleIds.length === 0) throw new DomainError('VALIDATION', 'Choose a role.');
  await expireDue(deps, organizationId);
  const { ids, next } = await batchIds(deps, actor, organizationId, selection);
  const { allowed, skipped } = await classify(deps, actor, organizationId, action, ids, roleIds);
  const applied = allowed.length ? (await command(deps, actor, organizationId, action, allowed, roleIds)).changed : 0;
  return { processed: ids.length, applied, skipped, next, message: bulkSummary(action, applied, skipped) };
}

/** Every batch of a bulk action in turn (for callers without a progress bar: tests, scripts). */
export async function runBulk(deps: ServiceDeps, actor: AdminActor, organizationId: number, action: BulkAction, selection: BulkSelection, roleIds: number[] = []) {
  let applied = 0;
  let skipped: SkipCount[] = [];
  let after = selection.after ?? null;
  for (;;) {
    const r = await runBulkBatch(deps, actor, organizationId, action, { ...selection, after }, roleIds);
    applied += r.applied;
    skipped = mergeSkips(skipped, r.skipped);
    if (r.next === null) break;
    after = r.next;
  }
  return { applied, skipped, message: bulkSummary(action, applied, skipped) };
}
