import { z } from 'zod';
import type { MemberAction, MemberStatus } from '../../shared/statuses';
import {
  SKIP_REASON_TEXT,
  isValidEmail,
  normalizeEmail,
  policyProblem,
  type SkipReason,
} from '../core/addresses';
import { outranks, type AccountTree, type Authz } from '../core/authz';
import { defaultTeamAccount } from '../core/grants';
import { DAY_MS } from '../core/clock';
import { DomainError } from '../core/errors';
import { canApply, nextStatus, transitionRefusal } from '../core/lifecycle';
import { hashToken, newToken } from '../core/tokens';
import type { DbOrTx } from '../db/database';
import { insertAuditRows } from '../db/repos/audit.repo';
import {
  insertMemberAccounts,
  insertMemberPermissions,
  insertMemberRoles,
  replaceMemberAccounts,
  replaceMemberPermissions,
  replaceMemberRoles,
} from '../db/repos/grants.repo';
import { insertLinks, liveLinkExpiry, revokeLinks } from '../db/repos/links.repo';
import { findLiveMembersByEmail, findMembers, insertMembers, pendingDueForExpiry, updateMember } from '../db/repos/members.repo';
import { listRoles, rolePermissions } from '../db/repos/roles.repo';
import type { NewAuditRow } from '../db/tables/audit.table';
import type { LinkPurpose, NewLink } from '../db/tables/link.table';
import type { Member, NewMember } from '../db/tables/member.table';
import type { Organization } from '../db/tables/organization.table';
import { memberAudit } from './audit';
import { linkUrl, SYSTEM_ACTOR, type Actor, type LinkIssued, type LinkKind, type ServiceDeps } from './deps';
import { loadAccountTree, loadAuthz, requireOrganization, settingsOf } from './organizations';
import { normalizePhone } from './phones';

export const PASSWORD_RESET_VALIDITY_MS = DAY_MS;

/** The signed-in admin, with what they may do. */
export interface AdminActor extends Actor {
  personId: number;
  memberId: number;
  authz: Authz;
}

// ---------------------------------------------------------------- invite preview and batch

export const inviteEntry = z.object({
  email: z.string().max(320),
  name: z.string().trim().max(200).regex(/^[^\r\n]*$/, 'Names cannot contain line breaks.').optional().nullable(),
  phone: z.string().trim().max(40).optional().nullable(),
  /** A role, by name, given to this address on top of the dialog's roles (CSV import's role column). */
  role: z.string().trim().max(100).optional().nullable(),
});
export type InviteEntry = z.infer<typeof inviteEntry>;

export const inviteGrants = z.object({
  roleIds: z.array(z.number().int().positive()).min(1, 'Choose a role: it is mandatory.').max(50),
  /** Sub-accounts the invitees get access to. */
  accountIds: z.array(z.number().int().positive()).max(500).default([]),
  /** Extra single permissions. */
  permissions: z.array(z.string().min(1).max(100)).max(200).default([]),
  /** Where the roles and permissions are granted; the company account when absent. */
  grantAccountId: z.number().int().positive().optional(),
});
export type InviteGrants = z.infer<typeof inviteGrants>;

export type InviteOutcome =
  | { email: string; outcome: 'invite'; name: string | null; phone: string | null; phoneDigits: string | null; roleId: number | null }
  | { email: string; outcome: 'skip'; reason: SkipReason | 'invalid_phone' | 'unknown_role'; message: string; memberId?: number; status?: MemberStatus };

const INVALID_PHONE_TEXT = 'The phone number is not valid: use the international form, e.g. +33 6 12 34 56 78';

/** What would happen to each address; pure apart from one lookup of existing members. */
export async function previewInvites(db: DbOrTx, org: Organization, entries: InviteEntry[]): Promise<InviteOutcome[]> {
  const policy = settingsOf(org);
  const roleByName = entries.some((e) => e.role?.trim())
    ? new Map((await listRoles(db, org.id)).map((r) => [r.name.toLowerCase(), r.id]))
    : new Map<string, number>();
  const seen = new Set<string>();
  const candidates: { index: number; normalized: string }[] = [];
  const outcomes: InviteOutcome[] = entries.map((entry, index) => {
    const email = entry.email.trim();
    if (!isValidEmail(email)) return { email, outcome: 'skip', reason: 'invalid', message: SKIP_REASON_TEXT.invalid };
    const normalized = normalizeEmail(email);
    if (seen.has(normalized)) return { email, outcome: 'skip', reason: 'duplicate', message: SKIP_REASON_TEXT.duplicate };
    seen.add(normalized);
    const problem = policyProblem(normalized, policy);
    if (problem) return { email, outcome: 'skip', reason: problem, message: SKIP_REASON_TEXT[problem] };
    let phone: string | null = null;
    let phoneDigits: string | null = null;
    if (entry.phone) {
      const parsed = normalizePhone(entry.phone);
      if (!parsed) return { email, outcome: 'skip', reason: 'invalid_phone', message: INVALID_PHONE_TEXT };
      phone = parsed.e164;
      phoneDigits = parsed.digits;
    }
    let roleId: number | null = null;
    const roleName = entry.role?.trim();
    if (roleName) {
      roleId = roleByName.get(roleName.toLowerCase()) ?? null;
      if (roleId === null) return { email, outcome: 'skip', reason: 'unknown_role', message: `No role is called "${roleName}" in this organization` };
    }
    candidates.push({ index, normalized });
    return { email, outcome: 'invite', name: entry.name?.trim() || null, phone, phoneDigits, roleId };
  });
  const existing = new Map(
    (await findLiveMembersByEmail(db, org.id, candidates.map((c) => c.normalized))).map((m) => [m.email_normalized, m]),
  );
  for (const c of candidates) {
    const m = existing.get(c.normalized);
    if (!m) continue;
    const email = outcomes[c.index]!.email;
    const reinvitable = m.status === 'pending' || m.status === 'expired' || m.status === 'declined' || m.status === 'cancelled';
    outcomes[c.index] = reinvitable
      ? { email, outcome: 'skip', reason: 'already_invited', message: SKIP_REASON_TEXT.already_invited, memberId: m.id, status: m.status }
      : { email, outcome: 'skip', reason: 'already_member', message: SKIP_REASON_TEXT.already_member, memberId: m.id, status: m.status };
  }
  return outcomes;
}

interface ResolvedGrants {
  roleIds: number[];
  grantAccountId: number;
  accountIds: number[];
  permissions: string[];
  roleNames: string[];
}

/** Checks that the actor may hand out these roles and permissions here, and resolves defaults. */
async function resolveGrants(db: DbOrTx, organizationId: number, actor: AdminActor, grants: InviteGrants, tree: AccountTree, scopePermission = 'members.invite'): Promise<ResolvedGrants> {
  const roles = await listRoles(db, organizationId);
  const chosen = grants.roleIds.map((id) => roles.find((r) => r.id === id));
  if (chosen.some((r) => !r)) throw new DomainError('VALIDATION', 'One of the chosen roles does not exist in this organization: reload and pick again.');
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
      throw new DomainError('MORE_PRIVILEGED', `You cannot grant "${p}" at this account because you do not hold it there yourself.`);
  return { roleIds: grants.roleIds, grantAccountId, accountIds: [...new Set(grants.accountIds)], permissions: [...new Set(grants.permissions)], roleNames: chosen.map((r) => r!.name) };
}

export function isOwner(authz: Authz): boolean {
  return authz.can('organization.delete');
}

async function writeGrants(trx: DbOrTx, memberIds: number[], g: ResolvedGrants, replace: boolean): Promise<void> {
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

interface IssuedLink {
  link: NewLink;
  event: LinkIssued;
  token: string;
}

function issueLink(deps: ServiceDeps, member: Member, purpose: LinkPurpose, kind: LinkKind, expiresAt: string, now: string, inviter: string): IssuedLink {
  const token = newToken();
  const url = linkUrl(deps, purpose, token);
  return {
    token,
    link: { member_id: member.id, purpose, token_hash: hashToken(token), created_at: now, expires_at: expiresAt },
    event: { kind, purpose, organizationId: member.organization_id, memberId: member.id, email: member.email, name: member.name, url, expiresAt, inviterLabel: inviter },
  };
}

async function saveLinks(deps: ServiceDeps, trx: DbOrTx, issued: IssuedLink[]): Promise<void> {
  await insertLinks(trx, issued.map((i) => i.link));
  if (deps.notifier && issued.length) await deps.notifier.linksIssued(trx, issued.map((i) => i.event));
}

export const inviteInput = z.object({
  entries: z.array(inviteEntry).min(1, 'Add at least one address.').max(200_000, 'Invite at most 200,000 people at once.'),
  grants: inviteGrants,
  /** Also resend to those already invited (pending, expired) and re-invite those who declined or were cancelled. */
  resendExisting: z.boolean().default(false),
});
export type InviteInput = z.infer<typeof inviteInput>;

export interface InviteResult {
  invited: { memberId: number; email: string; url: string }[];
  resent: { memberId: number; email: string }[];
  skipped: Extract<InviteOutcome, { outcome: 'skip' }>[];
}

/** Invites a batch in one transaction: every address is invited or skipped with its reason. */
export async function inviteMembers(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: InviteInput): Promise<InviteResult> {
  return deps.db.transaction().execute((trx) => inviteMembersIn(deps, trx, actor, organizationId, input));
}

/** The invite batch inside a caller's transaction (creating a sub-account invites its admin in the same one). */
export async function inviteMembersIn(deps: ServiceDeps, trx: DbOrTx, actor: AdminActor, organizationId: number, input: InviteInput): Promise<InviteResult> {
  const nowDate = deps.clock.now();
  const now = nowDate.toISOString();
  const org = await requireOrganization(trx, organizationId);
  const tree = await loadAccountTree(trx, organizationId);
  const grants = await resolveGrants(trx, organizationId, actor, input.grants, tree);
  const expiresAt = new Date(nowDate.getTime() + org.invitation_validity_days * DAY_MS).toISOString();
  const outcomes = await previewInvites(trx, org, input.entries);
  const rows: NewMember[] = [];
  const extraRoles: (number | null)[] = [];
  for (const o of outcomes) {
    if (o.outcome !== 'invite') continue;
    extraRoles.push(o.roleId);
    rows.push({
      organization_id: organizationId,
      person_id: null,
      email: o.email,
      email_normalized: normalizeEmail(o.email),
      name: o.name,
      phone: o.phone,
      phone_digits: o.phoneDigits,
      status: 'pending',
      invited_by_member_id: actor.memberId,
      invited_at: now,
      invite_expires_at: expiresAt,
      accepted_at: null,
      status_changed_at: now,
      created_at: now,
      updated_at: now,
    });
  }
  const created = await insertMembers(trx, rows);
  // Addresses with a role of their own (CSV role column) get it on top of the dialog's roles,
  // checked like any grant: one resolution per distinct extra role.
  const byExtra = new Map<number | null, number[]>();
  created.forEach((m, i) => {
    const extra = extraRoles[i] ?? null;
    const key = extra !== null && !grants.roleIds.includes(extra) ? extra : null;
    const group = byExtra.get(key);
    if (group) group.push(m.id);
    else byExtra.set(key, [m.id]);
  });
  const roleNamesOf = new Map<number, string[]>();
  for (const [extra, memberIds] of byExtra) {
    const g = extra === null ? grants : await resolveGrants(trx, organizationId, actor, { ...input.grants, roleIds: [...input.grants.roleIds, extra] }, tree);
    await writeGrants(trx, memberIds, g, false);
    for (const id of memberIds) roleNamesOf.set(id, g.roleNames);
  }
  const issued = created.map((m) => issueLink(deps, m, 'invitation', 'invitation', expiresAt, now, actor.label));
  await saveLinks(deps, trx, issued);
  const audit: NewAuditRow[] = created.map((m) => memberAudit(organizationId, actor, 'member.invite', null, m, now, { roles: roleNamesOf.get(m.id) ?? grants.roleNames, expiresAt }));
  await insertAuditRows(trx, audit);

  const skipped = outcomes.filter((o): o is Extract<InviteOutcome, { outcome: 'skip' }> => o.outcome === 'skip');
  const resent: InviteResult['resent'] = [];
  if (input.resendExisting) {
    const again = skipped.filter((s) => s.reason === 'already_invited').map((s) => s.memberId!);
    if (again.length) {
      const targets = await loadTargets(trx, organizationId, again);
      await assertInScope(trx, actor, 'members.invite', targets);
      await assertMayActOn(trx, actor, organizationId, 'resend', targets, tree);
      for (const m of await renewInvitations(deps, trx, actor, organizationId, again, org, now)) resent.push({ memberId: m.id, email: m.email });
    }
  }
  const resentIds = new Set(resent.map((r) => r.memberId));
  return {
    invited: created.map((m, i) => ({ memberId: m.id, email: m.email, url: issued[i]!.event.url })),
    resent,
    skipped: skipped.filter((s) => !s.memberId || !resentIds.has(s.memberId)),
  };
}

// ---------------------------------------------------------------- transitions on existing members

export async function loadTargets(trx: DbOrTx, organizationId: number, ids: number[]): Promise<Member[]> {
  const members = await findMembers(trx, organizationId, [...new Set(ids)]);
  if (members.length !== new Set(ids).size) throw new DomainError('NOT_FOUND', 'Some of these members no longer exist: reload the list.');
  return members;
}

/** The member must be within the actor's reach for this permission (org-wide, or at one of its sub-accounts). */
export async function assertInScope(trx: DbOrTx, actor: AdminActor, permission: string, members: Member[]): Promise<void> {
  if (actor.authz.can(permission)) return;
  const access = await trx.selectFrom('member_account').selectAll().where('member_id', 'in', members.map((m) => m.id)).execute();
  for (const m of members) {
    const accounts = access.filter((a) => a.member_id === m.id).map((a) => a.account_id);
    if (!actor.authz.canAtAny(permission, accounts))
      throw new DomainError('FORBIDDEN', `${m.email} is outside the accounts you manage.`);
  }
}

/** Nobody acts on themselves (for these actions) nor on someone with more privilege. */
export async function assertMayActOn(trx: DbOrTx, actor: AdminActor, organizationId: number, action: MemberAction, members: Member[], tree: AccountTree): Promise<void> {
  for (const m of members) {
    if (m.id === actor.memberId && (action === 'delete' || action === 'deactivate'))
      throw new DomainError('SELF_ACTION', `You cannot ${action} yourself: ask another admin.`);
    // Pending, expired, declined and cancelled members hold their grants too: whoever accepts gets them.
    if (m.status !== 'deleted') {
      const target = await loadAuthz(trx, organizationId, m.id, tree);
      if (outranks(target, actor.authz))
        throw new DomainError('MORE_PRIVILEGED', `${m.email} has more privileges than you: only someone with at least the same can do this.`);
    }
  }
}

/**
 * Replacing a member's grants removes the old ones too: the actor must control every one of them,
 * or a sub-account admin could strip access granted elsewhere.
 */
async function assertControlsExistingGrants(trx: DbOrTx, actor: AdminActor, m: Member): Promise<void> {
  const roleGrants = await trx
    .selectFrom('member_role')
    .innerJoin('role_permission', 'role_permission.role_id', 'member_role.role_id')
    .select(['member_role.account_id', 'role_permission.permission'])
    .where('member_role.member_id', '=', m.id)
    .execute();
  const single = await trx.selectFrom('member_permission').select(['account_id', 'permission']).where('member_id', '=', m.id).execute();
  const access = await trx.selectFrom('member_account').select('account_id').where('member_id', '=', m.id).execute();
  const outside =
    [...roleGrants, ...single].some((g) => !actor.authz.can('members.edit', g.account_id) || !actor.authz.can(g.permission, g.account_id)) ||
    access.some((a) => !actor.authz.can('members.edit', a.account_id));
  if (outside)
    throw new DomainError('FORBIDDEN', `${m.email} holds roles or access outside what you manage: change only yours in the member's "Roles and access".`);
}

function assertTransition(action: MemberAction, members: Member[]): void {
  const refused = members.filter((m) => !canApply(action, m.status));
  if (refused.length === 1) throw new DomainError('TRANSITION_NOT_ALLOWED', `${refused[0]!.email}: ${transitionRefusal(action, refused[0]!.status)}`);
  if (refused.length > 1)
    throw new DomainError('TRANSITION_NOT_ALLOWED', `${refused.length} of the selected members cannot be changed this way (for example ${refused[0]!.email}: ${transitionRefusal(action, refused[0]!.status)}). Nothing was changed.`);
}

async function countOwners(trx: DbOrTx, organizationId: number): Promise<number> {
  const r = await trx
    .selectFrom('member_role')
    .innerJoin('role', 'role.id', 'member_role.role_id')
    .innerJoin('member', 'member.id', 'member_role.member_id')
    .select((eb) => eb.fn.count<number>('member.id').distinct().as('n'))
    .where('role.organization_id', '=', organizationId)
    .where('role.builtin', '=', 'owner')
    .where('member.status', '=', 'accepted')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function assertNotLastOwners(trx: DbOrTx, organizationId: number, members: Member[], tree: AccountTree): Promise<void> {
  let owners = 0;
  for (const m of members) if (m.status === 'accepted' && isOwner(await loadAuthz(trx, organizationId, m.id, tree))) owners++;
  if (owners > 0 && owners >= (await countOwners(trx, organizationId)))
    throw new DomainError('LAST_OWNER', 'The last Owner can be neither removed, deactivated nor demoted: make someone else Owner first.');
}

async function renewInvitations(deps: ServiceDeps, trx: DbOrTx, actor: Actor, organizationId: number, ids: number[], org: Organization, now: string): Promise<Member[]> {
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
    issued.push(issueLink(deps, after, 'invitation', action === 'reinvite' ? 'invitation' : 'resend', expiresAt, now, actor.label));
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
async function runMemberCommand(
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
    await expireDueIn(trx, organizationId, now);
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
    const issued = members.map((m) => issueLink(deps, m, 'reactivation', 'reactivation', expiresAt, now, actor.label));
    await saveLinks(deps, trx, issued);
    await insertAuditRows(trx, members.map((m) => memberAudit(organizationId, actor, 'member.reactivate', m, m, now, { reactivationExpiresAt: expiresAt })));
    return members;
  });
}

export function sendPasswordResets(deps: ServiceDeps, actor: AdminActor, organizationId: number, ids: number[]) {
  return runMemberCommand(deps, actor, organizationId, ids, 'passwordReset', 'members.edit', async ({ trx, members, now }) => {
    // One person, one password across organizations: only their first organization may reset it,
    // or an admin elsewhere could take over their access to every organization.
    for (const m of members) {
      if (m.person_id === null) continue;
      const home = await trx.selectFrom('member').select('organization_id').where('person_id', '=', m.person_id).where('status', 'in', ['accepted', 'deactivated']).orderBy('accepted_at').orderBy('id').executeTakeFirst();
      if (home && home.organization_id !== organizationId)
        throw new DomainError('FORBIDDEN', `${m.email} signs in to other organizations too: only the organization they joined first can reset their password.`);
    }
    await revokeLinks(trx, ids, 'superseded', now, 'password_reset');
    const expiresAt = new Date(Date.parse(now) + PASSWORD_RESET_VALIDITY_MS).toISOString();
    const issued = members.map((m) => issueLink(deps, m, 'password_reset', 'password_reset', expiresAt, now, actor.label));
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
    const issued = issueLink(deps, m, 'invitation', 'invitation', expiresAt, now, actor.label);
    await insertLinks(trx, [issued.link]);
    await insertAuditRows(trx, [memberAudit(organizationId, actor, 'member.copy_link', m, m, now)]);
    url = issued.event.url;
    return members;
  });
  return { url, expiresAt };
}

export const editInput = z.object({
  id: z.number().int().positive(),
  email: z.string().max(320).optional(),
  name: z.string().trim().max(200).regex(/^[^\r\n]*$/, 'Names cannot contain line breaks.').nullable().optional(),
  phone: z.string().trim().max(40).nullable().optional(),
  grants: inviteGrants.optional(),
});

export function editMember(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: z.infer<typeof editInput>) {
  const grantsChange = input.grants !== undefined;
  return runMemberCommand(deps, actor, organizationId, [input.id], 'edit', 'members.edit', async ({ trx, members, now, org, tree }) => {
    const m = members[0]!;
    if (grantsChange && m.id === actor.memberId) throw new DomainError('SELF_ACTION', 'You cannot change your own roles or permissions: ask another admin.');
    const patch: Partial<Member> = { updated_at: now };
    let reissue = false;
    if (input.email !== undefined && normalizeEmail(input.email) !== m.email_normalized) {
      if (!canApply('editEmail', m.status))
        throw new DomainError('TRANSITION_NOT_ALLOWED', 'The email address cannot be changed once the person has accepted: invite the new address and delete this member.');
      const email = input.email.trim();
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
    const after = await updateMember(trx, m.id, patch);
    const audit = [memberAudit(organizationId, actor, 'member.edit', m, after, now, grantsChange ? { grants: input.grants } : undefined)];
    if (reissue) {
      // The old address must not be able to accept: its links stop working and the new address gets one.
      await revokeLinks(trx, [m.id], 'superseded', now, 'invitation');
      await saveLinks(deps, trx, [issueLink(deps, after, 'invitation', 'invitation', after.invite_expires_at ?? now, now, actor.label)]);
    }
    await insertAuditRows(trx, audit);
    return [after];
  });
}

// ---------------------------------------------------------------- time

async function expireDueIn(trx: DbOrTx, organizationId: number | null, now: string): Promise<number> {
  let due = await pendingDueForExpiry(trx, now);
  if (organizationId !== null) due = due.filter((m) => m.organization_id === organizationId);
  if (due.length === 0) return 0;
  const audit: NewAuditRow[] = [];
  for (const m of due) {
    const after = await updateMember(trx, m.id, { status: 'expired', status_changed_at: m.invite_expires_at ?? now, updated_at: now });
    audit.push(memberAudit(m.organization_id, SYSTEM_ACTOR, 'member.expire', m, after, now));
  }
  await insertAuditRows(trx, audit);
  return due.length;
}

/** Moves every pending invitation past its validity to Expired. Cheap when nothing is due (an index lookup). */
export async function expireDue(deps: ServiceDeps, organizationId: number | null = null): Promise<number> {
  const now = deps.clock.now().toISOString();
  const due = await pendingDueForExpiry(deps.db, now);
  if (due.length === 0) return 0;
  return deps.db.transaction().execute((trx) => expireDueIn(trx, organizationId, now));
}

/** Bulk role change in one transaction: the chosen roles replace each member's roles at the company account. */
export function setMemberRoles(deps: ServiceDeps, actor: AdminActor, organizationId: number, ids: number[], roleIds: number[]) {
  if (ids.includes(actor.memberId)) throw new DomainError('SELF_ACTION', 'You cannot change your own roles or permissions: ask another admin.');
  return runMemberCommand(deps, actor, organizationId, ids, 'edit', 'members.edit', async ({ trx, members, now, tree }) => {
    const resolved = await resolveGrants(trx, organizationId, actor, { roleIds, accountIds: [], permissions: [], grantAccountId: tree.root.id }, tree, 'members.edit');
    const roles = await listRoles(trx, organizationId);
    // The company account includes every sub-account: the same role held below would be redundant.
    const below = await trx
      .selectFrom('member_role')
      .select(['member_id', 'role_id', 'account_id'])
      .where('member_id', 'in', ids)
      .where('role_id', 'in', roleIds)
      .where('account_id', '<>', tree.root.id)
      .executeTakeFirst();
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
      const before = await trx.selectFrom('member_role').select('role_id').where('member_id', '=', m.id).where('account_id', '=', tree.root.id).execute();
      await trx.deleteFrom('member_role').where('member_id', '=', m.id).where('account_id', '=', tree.root.id).execute();
      await insertMemberRoles(trx, roleIds.map((role_id) => ({ member_id: m.id, role_id, account_id: tree.root.id })));
      const after = await updateMember(trx, m.id, { updated_at: now });
      audit.push(
        memberAudit(organizationId, actor, 'member.roles', m, after, now, {
          rolesBefore: before.map((b) => roles.find((r) => r.id === b.role_id)?.name),
          roles: resolved.roleNames,
        }),
      );
    }
    await insertAuditRows(trx, audit);
    return members;
  });
}
