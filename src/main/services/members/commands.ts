import type { MemberAction } from '../../../shared/statuses';
import type { AccountTree } from '../../core/authz';
import { DAY_MS } from '../../core/clock';
import { DomainError } from '../../core/errors';
import { canApply, nextStatus, transitionRefusal } from '../../core/lifecycle';
import type { DbOrTx } from '../../db/database';
import { insertAuditRows } from '../../db/repos/audit.repo';
import { replaceMemberAccounts, replaceMemberPermissions, replaceMemberRoles } from '../../db/repos/grants.repo';
import { insertLinks, liveLinkExpiry, revokeLinks } from '../../db/repos/links.repo';
import { homeOrganizationOfPerson, updateMember } from '../../db/repos/members.repo';
import type { NewAuditRow } from '../../db/tables/audit.table';
import type { Member } from '../../db/tables/member.table';
import type { Organization } from '../../db/tables/organization.table';
import type { AdminActor } from '../actor';
import { memberAudit } from '../audit';
import type { Actor, ServiceDeps } from '../deps';
import { loadAccountTree, requireOrganization } from '../organizations';
import { expireDueIn, noneDue } from './expiry';
import { assertInScope, assertMayActOn, assertNotLastOwners, assertTransition, loadTargets } from './guards';
import { issueLink, saveLinks, type IssuedLink } from './links';

/** The admin's commands on existing members: each one transaction, after every guard. */

export const PASSWORD_RESET_VALIDITY_MS = DAY_MS;

/** New invitation links for pending, expired, declined or cancelled members; earlier links stop working. */
export async function renewInvitations(deps: ServiceDeps, trx: DbOrTx, actor: Actor, organizationId: number, ids: number[], org: Organization, now: string): Promise<Member[]> {
  const members = await loadTargets(trx, organizationId, ids);
  const expiresAt = new Date(Date.parse(now) + org.invitation_validity_days * DAY_MS).toISOString();
  await revokeLinks(trx, ids, 'superseded', now, 'invitation');
  const updated: Member[] = [];
  const audit: NewAuditRow[] = [];
  const issued: IssuedLink[] = [];
  for (const m of members) {
    const action: MemberAction = m.status === 'declined' || m.status === 'cancelled' ? 'reinvite' : 'resend';
    if (!canApply(action, m.status)) throw new DomainError('TRANSITION_NOT_ALLOWED', `${m.email}: ${transitionRefusal(action, m.status)}`);
    const after = await updateMember(trx, m.id, { status: 'pending', invited_at: now, invite_expires_at: expiresAt, status_changed_at: now, updated_at: now, invited_by_member_id: actor.memberId });
    updated.push(after);
    audit.push(memberAudit(organizationId, actor, action === 'reinvite' ? 'member.reinvite' : 'member.resend', m, after, now, { expiresAt }));
    issued.push(issueLink(deps, after, 'invitation', action === 'reinvite' ? 'invitation' : 'resend', expiresAt, now, actor));
  }
  await saveLinks(deps, trx, issued);
  await insertAuditRows(trx, audit);
  return updated;
}

export interface BulkResult {
  changed: number;
  members: Member[];
}

type Command = (ctx: { trx: DbOrTx; members: Member[]; now: string; org: Organization; tree: AccountTree }) => Promise<Member[]>;

/** Runs an admin action on members in one transaction, after every check. */
export async function runMemberCommand(
  deps: ServiceDeps,
  actor: AdminActor,
  organizationId: number,
  ids: number[],
  action: MemberAction,
  permission: string,
  command: Command,
): Promise<BulkResult> {
  if (ids.length === 0) throw new DomainError('VALIDATION', 'Select at least one member.');
  const now = deps.clock.now().toISOString();
  return deps.db.transaction().execute(async (trx) => {
    if (!(await noneDue(deps, trx, now))) await expireDueIn(trx, organizationId, now);
    const org = await requireOrganization(trx, organizationId);
    const tree = await loadAccountTree(trx, organizationId);
    const members = await loadTargets(trx, organizationId, ids);
    await assertInScope(trx, actor, permission, members);
    assertTransition(action, members);
    await assertMayActOn(trx, actor, organizationId, action, members, tree);
    const changed = await command({ trx, members, now, org, tree });
    return { changed: changed.length, members: changed };
  });
}

async function simpleTransition(
  trx: DbOrTx,
  actor: Actor,
  organizationId: number,
  members: Member[],
  action: MemberAction,
  now: string,
): Promise<Member[]> {
  const out: Member[] = [];
  const audit: NewAuditRow[] = [];
  for (const m of members) {
    const after = await updateMember(trx, m.id, { status: nextStatus(action, m.status), status_changed_at: now, updated_at: now });
    out.push(after);
    audit.push(memberAudit(organizationId, actor, `member.${action}`, m, after, now));
  }
  await insertAuditRows(trx, audit);
  return out;
}

export function resendInvitations(deps: ServiceDeps, actor: AdminActor, organizationId: number, ids: number[]) {
  return runMemberCommand(deps, actor, organizationId, ids, 'resend', 'members.invite', ({ trx, now, org }) => renewInvitations(deps, trx, actor, organizationId, ids, org, now));
}

export function reinviteMembers(deps: ServiceDeps, actor: AdminActor, organizationId: number, ids: number[]) {
  return runMemberCommand(deps, actor, organizationId, ids, 'reinvite', 'members.invite', ({ trx, now, org }) => renewInvitations(deps, trx, actor, organizationId, ids, org, now));
}

export function cancelInvitations(deps: ServiceDeps, actor: AdminActor, organizationId: number, ids: number[]) {
  return runMemberCommand(deps, actor, organizationId, ids, 'cancel', 'members.invite', async ({ trx, members, now }) => {
    await revokeLinks(trx, ids, 'cancelled', now, 'invitation');
    return simpleTransition(trx, actor, organizationId, members, 'cancel', now);
  });
}

export function deactivateMembers(deps: ServiceDeps, actor: AdminActor, organizationId: number, ids: number[]) {
  return runMemberCommand(deps, actor, organizationId, ids, 'deactivate', 'members.deactivate', async ({ trx, members, now, tree }) => {
    await assertNotLastOwners(trx, organizationId, members, tree);
    await revokeLinks(trx, ids, 'deactivated', now);
    return simpleTransition(trx, actor, organizationId, members, 'deactivate', now);
  });
}

export function deleteMembers(deps: ServiceDeps, actor: AdminActor, organizationId: number, ids: number[]) {
  return runMemberCommand(deps, actor, organizationId, ids, 'delete', 'members.delete', async ({ trx, members, now, tree }) => {
    await assertNotLastOwners(trx, organizationId, members, tree);
    await revokeLinks(trx, ids, 'deleted', now);
    for (const id of ids) {
      // No access at all: grants go with the member; the audit keeps the history.
      await replaceMemberRoles(trx, id, []);
      await replaceMemberPermissions(trx, id, []);
      await replaceMemberAccounts(trx, id, []);
    }
    return simpleTransition(trx, actor, organizationId, members, 'delete', now);
  });
}

/** Sends a reactivation link; the member stays deactivated until they accept it. */
export function reactivateMembers(deps: ServiceDeps, actor: AdminActor, organizationId: number, ids: number[]) {
  return runMemberCommand(deps, actor, organizationId, ids, 'reactivate', 'members.deactivate', async ({ trx, members, now, org }) => {
    await revokeLinks(trx, ids, 'superseded', now, 'reactivation');
    const expiresAt = new Date(Date.parse(now) + org.invitation_validity_days * DAY_MS).toISOString();
    const issued = members.map((m) => issueLink(deps, m, 'reactivation', 'reactivation', expiresAt, now, actor));
    await saveLinks(deps, trx, issued);
    await insertAuditRows(trx, members.map((m) => memberAudit(organizationId, actor, 'member.reactivate', m, m, now, { reactivationExpiresAt: expiresAt })));
    return members;
  });
}

/** One person, one password across organizations: only their first organization may reset it,
 * or an admin elsewhere could take over their access to every organization. */
async function assertMayResetPasswords(trx: DbOrTx, organizationId: number, members: Member[]): Promise<void> {
  for (const m of members) {
    if (m.person_id === null) continue;
    const home = await homeOrganizationOfPerson(trx, m.person_id);
    if (home !== undefined && home !== organizationId)
      throw new DomainError('FORBIDDEN', `${m.email} signs in to other organizations too: only the organization they joined first can reset their password.`);
  }
}

export function sendPasswordResets(deps: ServiceDeps, actor: AdminActor, organizationId: number, ids: number[]) {
  return runMemberCommand(deps, actor, organizationId, ids, 'passwordReset', 'members.edit', async ({ trx, members, now }) => {
    await assertMayResetPasswords(trx, organizationId, members);
    await revokeLinks(trx, ids, 'superseded', now, 'password_reset');
    const expiresAt = new Date(Date.parse(now) + PASSWORD_RESET_VALIDITY_MS).toISOString();
    const issued = members.map((m) => issueLink(deps, m, 'password_reset', 'password_reset', expiresAt, now, actor));
    await saveLinks(deps, trx, issued);
    await insertAuditRows(trx, members.map((m) => memberAudit(organizationId, actor, 'member.password_reset', m, m, now)));
    return members;
  });
}

/** A new valid link for a pending member, which does not break the emailed one. */
export async function copyInviteLink(deps: ServiceDeps, actor: AdminActor, organizationId: number, id: number): Promise<{ url: string; expiresAt: string }> {
  let url = '';
  let expiresAt = '';
  await runMemberCommand(deps, actor, organizationId, [id], 'copyLink', 'members.invite', async ({ trx, members, now }) => {
    const m = members[0]!;
    expiresAt = (await liveLinkExpiry(trx, m.id, 'invitation')) ?? m.invite_expires_at ?? now;
    const issued = issueLink(deps, m, 'invitation', 'invitation', expiresAt, now, actor);
    await insertLinks(trx, [issued.link]);
    await insertAuditRows(trx, [memberAudit(organizationId, actor, 'member.copy_link', m, m, now)]);
    url = issued.event.url;
    return members;
  });
  return { url, expiresAt };
}

/**
 * The links an admin may copy besides invitations. Not a password reset link: whoever holds one sets the
 * person's one password, which opens every organization they belong to (an Owner's elsewhere too), so it
 * goes to their mailbox only.
 */
const COPY_PURPOSE = {
  copyReactivationLink: { purpose: 'reactivation', permission: 'members.deactivate', send: 'Reactivate' },
} as const;

/**
 * Another valid link next to the reactivation link the admin already sent (it may be waiting for a
 * mail server): same expiry, the sent one keeps working. Only while one is live, so copying never
 * starts a reactivation by itself; audited like an invite link copy. (A reactivation link only turns
 * the member's access back on: the person signs in with their own password.)
 */
export async function copyAccessLink(deps: ServiceDeps, actor: AdminActor, organizationId: number, id: number, action: keyof typeof COPY_PURPOSE): Promise<{ url: string; expiresAt: string }> {
  const { purpose, permission, send } = COPY_PURPOSE[action];
  let url = '';
  let expiresAt = '';
  await runMemberCommand(deps, actor, organizationId, [id], action, permission, async ({ trx, members, now }) => {
    const m = members[0]!;
    const live = await liveLinkExpiry(trx, m.id, purpose);
    if (!live || live <= now)
      throw new DomainError('TRANSITION_NOT_ALLOWED', `${m.email} has no reactivation link waiting: choose “${send}” first, then copy its link.`);
    expiresAt = live;
    const issued = issueLink(deps, m, purpose, purpose, expiresAt, now, actor);
    await insertLinks(trx, [issued.link]);
    await insertAuditRows(trx, [memberAudit(organizationId, actor, 'member.copy_link', m, m, now, { purpose })]);
    url = issued.event.url;
    return members;
  });
  return { url, expiresAt };
}
