import { z } from 'zod';
import { NON_ASCII_ADDRESS_TEXT, addressProblem } from '../../../shared/address-lines';
import { invisibleAddressProblem } from '../../../shared/invisible-text';
import { HARD_FIELD_BOUND, MAX_EMAIL_LENGTH, MAX_INVITE_BATCH, MAX_NAME_LENGTH, MAX_PHONE_LENGTH, MAX_ROLE_LENGTH, entryProblem, sentence } from '../../../shared/invite-entry';
import type { MemberStatus } from '../../../shared/statuses';
import { SKIP_REASON_TEXT, isValidEmail, normalizeEmail, policyProblem, type SkipReason } from '../../core/addresses';
import { DAY_MS } from '../../core/clock';
import type { DbOrTx } from '../../db/database';
import { isUniqueViolation } from '../../db/dialect';
import { insertAuditRows } from '../../db/repos/audit.repo';
import { findLiveMembersByEmail, insertInvitedMembers } from '../../db/repos/members.repo';
import { listRoles } from '../../db/repos/roles.repo';
import type { NewAuditRow } from '../../db/tables/audit.table';
import type { Member, NewMember } from '../../db/tables/member.table';
import type { Organization } from '../../db/tables/organization.table';
import type { AdminActor } from '../actor';
import type { BatchProgress, BatchRunner, ServiceDeps } from '../deps';
import { loadAccountTree, requireOrganization, settingsOf } from '../organizations';
import { normalizePhone } from '../phones';
import { renewInvitations } from './commands';
import { inviteGrants, resolveGrants, writeGrants } from './grants';
import { assertInScope, assertMayActOn, loadTargets } from './guards';
import { issueLinks, saveLinks } from './links';

/** Inviting people: what would happen to each address (preview), then the batch itself. */

/**
 * One address to invite. The router bounds each field (HARD_FIELD_BOUND times its limit) so a request stays small;
 * within that bound a bad value (a name over 200 characters, a line break) does not refuse the batch: the preview
 * and the batch skip that entry with its reason (entryProblem), like an invalid address.
 */
export const inviteEntry = z.object({
  email: z.string().max(MAX_EMAIL_LENGTH * HARD_FIELD_BOUND),
  name: z.string().trim().max(MAX_NAME_LENGTH * HARD_FIELD_BOUND).optional().nullable(),
  phone: z.string().trim().max(MAX_PHONE_LENGTH * HARD_FIELD_BOUND).optional().nullable(),
  /** A role, by name, for this address (CSV import's role column): added to or replacing the dialog's roles (inviteInput.csvRole). */
  role: z.string().trim().max(MAX_ROLE_LENGTH * HARD_FIELD_BOUND).optional().nullable(),
});
export const inviteEntries = z
  .array(inviteEntry)
  .min(1, 'Add at least one address.')
  .max(MAX_INVITE_BATCH, `Invite at most ${MAX_INVITE_BATCH.toLocaleString('en-US')} people at once: split the list.`);
export type InviteEntry = z.infer<typeof inviteEntry>;

export type InviteOutcome =
  | { email: string; outcome: 'invite'; name: string | null; phone: string | null; phoneDigits: string | null; roleId: number | null }
  | { email: string; outcome: 'skip'; reason: SkipReason | 'invalid_entry' | 'invalid_phone' | 'unknown_role'; message: string; memberId?: number; status?: MemberStatus };

export const INVALID_PHONE_TEXT = 'The phone number is not valid: use the international form, e.g. +33 6 12 34 56 78';

/** What would happen to each address; pure apart from one lookup of existing members. */
export async function previewInvites(db: DbOrTx, org: Organization, entries: InviteEntry[]): Promise<InviteOutcome[]> {
  return (await classifyEntries(db, org, entries)).outcomes;
}

/** previewInvites, with each invited address's normalized form (by entry index) for the batch to write. */
async function classifyEntries(db: DbOrTx, org: Organization, entries: InviteEntry[]): Promise<{ outcomes: InviteOutcome[]; normalizedOf: string[] }> {
  const policy = settingsOf(org);
  const roleByName = entries.some((e) => e.role?.trim())
    ? new Map((await listRoles(db, org.id)).map((r) => [r.name.toLowerCase(), r.id]))
    : new Map<string, number>();
  const seen = new Set<string>();
  const candidates: { index: number; normalized: string }[] = [];
  const outcomes: InviteOutcome[] = entries.map((entry, index) => {
    const email = entry.email.trim();
    if (!isValidEmail(email)) {
      // Say why when the reason is one the admin cannot guess (an invisible character, non-ASCII characters).
      const message = invisibleAddressProblem(email) ?? (addressProblem(email) === NON_ASCII_ADDRESS_TEXT ? NON_ASCII_ADDRESS_TEXT : SKIP_REASON_TEXT.invalid);
      return { email, outcome: 'skip', reason: 'invalid', message };
    }
    const fieldProblem = entryProblem(entry);
    if (fieldProblem) return { email, outcome: 'skip', reason: 'invalid_entry', message: sentence(fieldProblem) };
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
  const normalizedOf: string[] = [];
  for (const c of candidates) normalizedOf[c.index] = c.normalized;
  return { outcomes, normalizedOf };
}

export const inviteInput = z.object({
  entries: inviteEntries,
  grants: inviteGrants,
  /** Also resend to those already invited (pending, expired) and re-invite those who declined or were cancelled. */
  resendExisting: z.boolean().default(false),
  /** What an address's own role (CSV role column) does: 'add' to the dialog's roles (the default), or 'replace' them. */
  csvRole: z.enum(['add', 'replace']).optional(),
});
export type InviteInput = z.infer<typeof inviteInput>;

export interface InviteResult {
  invited: { memberId: number; email: string; url: string }[];
  resent: { memberId: number; email: string }[];
  skipped: Extract<InviteOutcome, { outcome: 'skip' }>[];
}

/**
 * Invites a batch in one transaction: every address is invited or skipped with its reason. Team
 * mode: when another process invited one of the addresses while this batch ran, its unique index
 * refuses the batch; the batch then runs once more and reports that address as already invited.
 * A long batch on the SQLite file runs in the worker thread (deps.batches), same transaction and
 * outcomes, so other requests are answered meanwhile.
 */
export async function inviteMembers(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: InviteInput, progress?: (p: BatchProgress) => void): Promise<InviteResult> {
  if (deps.batches && input.entries.length >= deps.batches.minEntries) return inviteInWorker(deps, deps.batches, actor, organizationId, input, progress);
  const once = () => deps.db.transaction().execute((trx) => inviteMembersIn(deps, trx, actor, organizationId, input, progress));
  try {
    return await once();
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    return once();
  }
}

async function inviteInWorker(deps: ServiceDeps, batches: BatchRunner, actor: AdminActor, organizationId: number, input: InviteInput, progress?: (p: BatchProgress) => void): Promise<InviteResult> {
  const job = {
    kind: 'invite' as const,
    now: deps.clock.now().toISOString(),
    publicBaseUrl: deps.publicBaseUrl(),
    organizationId,
    actor: { personId: actor.personId, memberId: actor.memberId, label: actor.label },
    input,
    outbox: deps.outbox ?? null,
  };
  const { result, events } = await batches.run(job, progress);
  if (deps.notifier && events.length) {
    // With mail configured the worker wrote the outbox rows in the batch's transaction; a notifier
    // that writes nothing (a test's capture) hears of the links once they are committed.
    if (deps.outbox) deps.notifier.linksCommitted?.(events);
    else await deps.notifier.linksIssued(deps.db, events);
  }
  return result as InviteResult;
}

/** The invite batch inside a caller's transaction (creating a sub-account invites its admin in the same one). */
export async function inviteMembersIn(deps: ServiceDeps, trx: DbOrTx, actor: AdminActor, organizationId: number, input: InviteInput, progress?: (p: BatchProgress) => void): Promise<InviteResult> {
  const total = input.entries.length;
  progress?.({ stage: 'checking', done: 0, total });
  const nowDate = deps.clock.now();
  const now = nowDate.toISOString();
  const org = await requireOrganization(trx, organizationId);
  const tree = await loadAccountTree(trx, organizationId);
  const grants = await resolveGrants(trx, organizationId, actor, input.grants, tree);
  const expiresAt = new Date(nowDate.getTime() + org.invitation_validity_days * DAY_MS).toISOString();
  const { outcomes, normalizedOf } = await classifyEntries(trx, org, input.entries);
  const rows: NewMember[] = [];
  const extraRoles: (number | null)[] = [];
  outcomes.forEach((o, index) => {
    if (o.outcome !== 'invite') return;
    extraRoles.push(o.roleId);
    rows.push({
      organization_id: organizationId,
      person_id: null,
      email: o.email,
      email_normalized: normalizedOf[index]!,
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
  });
  progress?.({ stage: 'writing', done: 0, total: rows.length });
  const created = await insertInvitedMembers(trx, rows);
  // Addresses with a role of their own (CSV role column) get it on top of the dialog's roles, or
  // instead of them (csvRole 'replace'), checked like any grant: one resolution per distinct extra role.
  const byExtra = new Map<number | null, number[]>();
  created.forEach((m, i) => {
    const extra = extraRoles[i] ?? null;
    const replace = input.csvRole === 'replace';
    const key = extra !== null && (replace ? grants.roleIds.length !== 1 || grants.roleIds[0] !== extra : !grants.roleIds.includes(extra)) ? extra : null;
    const group = byExtra.get(key);
    if (group) group.push(m.id);
    else byExtra.set(key, [m.id]);
  });
  const roleNamesOf = new Map<number, string[]>();
  for (const [extra, memberIds] of byExtra) {
    const roleIds = input.csvRole === 'replace' ? [extra!] : [...input.grants.roleIds, extra!];
    const g = extra === null ? grants : await resolveGrants(trx, organizationId, actor, { ...input.grants, roleIds }, tree);
    await writeGrants(trx, memberIds, g, false);
    for (const id of memberIds) roleNamesOf.set(id, g.roleNames);
  }
  const issued = issueLinks(deps, created, 'invitation', 'invitation', expiresAt, now, actor);
  await saveLinks(deps, trx, issued);
  await insertAuditRows(trx, inviteAuditRows(organizationId, actor, created, (m) => roleNamesOf.get(m.id) ?? grants.roleNames, expiresAt, now));

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
  progress?.({ stage: 'committing', done: rows.length, total: rows.length });
  const resentIds = new Set(resent.map((r) => r.memberId));
  return {
    invited: created.map((m, i) => ({ memberId: m.id, email: m.email, url: issued[i]!.event.url })),
    resent,
    skipped: skipped.filter((s) => !s.memberId || !resentIds.has(s.memberId)),
  };
}

/**
 * The batch's audit rows: what memberAudit(…, 'member.invite', null, m, now, { roles, expiresAt })
 * writes, its after_json built as one string per row (only the four values escaped) instead of a
 * snapshot object, a spread and a JSON.stringify per row; the shared part ({ roles, expiresAt }) is
 * serialized once per role set. Same text: the members' tests compare it with memberAudit's.
 */
export function inviteAuditRows(organizationId: number, actor: AdminActor, members: Member[], rolesOf: (m: Member) => string[], expiresAt: string, now: string): NewAuditRow[] {
  const extraJson = new Map<string[], string>();
  return members.map((m) => {
    const roles = rolesOf(m);
    let extra = extraJson.get(roles);
    if (extra === undefined) extraJson.set(roles, (extra = JSON.stringify({ roles, expiresAt }).slice(1)));
    const snapshot = `{"status":${JSON.stringify(m.status)},"email":${JSON.stringify(m.email)},"name":${JSON.stringify(m.name)},"phone":${JSON.stringify(m.phone)}`;
    return {
      organization_id: organizationId,
      actor_person_id: actor.personId,
      actor_label: actor.label,
      action: 'member.invite',
      target_type: 'member',
      target_id: m.id,
      target_label: m.email,
      before_json: null,
      after_json: `${snapshot},${extra}`,
      at: now,
    };
  });
}
