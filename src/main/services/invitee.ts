import type { ErrorCode } from '../../shared/errors';
import { DomainError } from '../core/errors';
import { canApply } from '../core/lifecycle';
import { hashPassword, passwordProblem, verifyPassword } from '../core/passwords';
import { normalizeEmail } from '../core/addresses';
import { hashToken, looksLikeToken } from '../core/tokens';
import type { DbOrTx } from '../db/database';
import { insertAuditRows } from '../db/repos/audit.repo';
import { rolesOfMembers } from '../db/repos/grants.repo';
import { consumeLink, findLinkByHash, markSiblingsUsed } from '../db/repos/links.repo';
import { findMember, updateMember } from '../db/repos/members.repo';
import { findOrganization } from '../db/repos/organizations.repo';
import { ensurePerson, findPerson, findPersonByEmail as findPersonByEmailRepo, setPasswordHash } from '../db/repos/people.repo';
import type { Link, LinkPurpose } from '../db/tables/link.table';
import type { Member } from '../db/tables/member.table';
import { memberAudit } from './audit';
import { verifyPhoneCode } from './phone';
import { normalizePhone } from './phones';
import type { Actor, ServiceDeps } from './deps';

const LINK_MESSAGES: Record<string, string> = {
  LINK_INVALID: 'This link is not valid. Ask the person who invited you for a new one.',
  LINK_EXPIRED: 'This link has expired. Ask the person who invited you to send a new one.',
  LINK_CANCELLED: 'This invitation was cancelled by the organization.',
  LINK_SUPERSEDED: 'A newer link was sent to you: use the most recent email.',
  LINK_USED: 'This link was already used. If that was you, sign in with your email and password.',
};

function linkError(code: ErrorCode): DomainError {
  return new DomainError(code, LINK_MESSAGES[code]!);
}

const PURPOSE_STATUS: Record<LinkPurpose, Member['status']> = { invitation: 'pending', reactivation: 'deactivated', password_reset: 'accepted' };

/** Finds the live link for a token, or says why it grants nothing. An unknown token and a wrong one read the same. */
async function resolveLink(db: DbOrTx, token: string, purpose: LinkPurpose, nowIso: string): Promise<{ link: Link; member: Member }> {
  if (!looksLikeToken(token)) throw linkError('LINK_INVALID');
  const link = await findLinkByHash(db, hashToken(token));
  if (!link || link.purpose !== purpose) throw linkError('LINK_INVALID');
  if (link.used_at) throw linkError('LINK_USED');
  if (link.revoked_reason === 'superseded') throw linkError('LINK_SUPERSEDED');
  if (link.revoked_reason === 'cancelled') throw linkError('LINK_CANCELLED');
  if (link.revoked_at) throw linkError('LINK_INVALID');
  const member = await db.selectFrom('member').selectAll().where('id', '=', link.member_id).executeTakeFirst();
  if (!member || member.status === 'deleted') throw linkError('LINK_INVALID');
  if (member.status === 'cancelled') throw linkError('LINK_CANCELLED');
  if (link.expires_at <= nowIso || member.status === 'expired') throw linkError('LINK_EXPIRED');
  if (member.status !== PURPOSE_STATUS[purpose]) throw linkError(member.status === 'accepted' ? 'LINK_USED' : 'LINK_INVALID');
  return { link, member };
}

/** The live invitation behind a token, or the reason it grants nothing. */
export async function resolveLiveInvitation(db: DbOrTx, token: string, nowIso: string): Promise<{ link: Link; member: Member }> {
  return resolveLink(db, token, 'invitation', nowIso);
}

export interface LinkView {
  purpose: LinkPurpose;
  organizationName: string;
  email: string;
  name: string | null;
  inviter: string | null;
  roles: string[];
  expiresAt: string;
  /** False when the person already has a password (a member of another organization here). */
  needsPassword: boolean;
  requirePhone: boolean;
  timeZone: string;
}

export async function inspectLink(deps: ServiceDeps, token: string, purpose: LinkPurpose): Promise<LinkView> {
  const now = deps.clock.now().toISOString();
  const { link, member } = await resolveLink(deps.db, token, purpose, now);
  const org = (await findOrganization(deps.db, member.organization_id))!;
  const inviter = member.invited_by_member_id ? await findMember(deps.db, org.id, member.invited_by_member_id) : undefined;
  const roles = (await rolesOfMembers(deps.db, [member.id])).map((r) => r.name);
  const person = member.person_id ? await findPerson(deps.db, member.person_id) : await deps.db.selectFrom('person').selectAll().where('email', '=', member.email_normalized).executeTakeFirst();
  return {
    purpose,
    organizationName: org.name,
    email: member.email,
    name: member.name,
    inviter: inviter ? inviter.name || inviter.email : null,
    roles,
    expiresAt: link.expires_at,
    needsPassword: purpose === 'password_reset' || !person?.password_hash,
    requirePhone: org.require_phone === 1 && purpose === 'invitation',
    timeZone: org.time_zone,
  };
}

function inviteeActor(member: Member): Actor {
  return { personId: member.person_id, memberId: member.id, label: `${member.email} (invitee)` };
}

async function consumeOrExplain(trx: DbOrTx, token: string, purpose: LinkPurpose, now: string) {
  const found = await resolveLink(trx, token, purpose, now);
  // Single use even under concurrency: the conditional update succeeds for one caller only.
  if (!(await consumeLink(trx, found.link.id, now))) throw linkError('LINK_USED');
  await markSiblingsUsed(trx, found.member.id, purpose, now);
  return found;
}

export async function acceptInvitation(deps: ServiceDeps, token: string, input: { password?: string; phone?: string | null; code?: string }): Promise<{ organizationName: string; email: string }> {
  const now = deps.clock.now().toISOString();
  // Hash outside the transaction (it takes a while) but only after checking the link is good.
  const view = await inspectLink(deps, token, 'invitation');
  let verifiedPhone: string | null = null;
  if (view.requirePhone) {
    const { member } = await resolveLink(deps.db, token, 'invitation', now);
    const phone = normalizePhone(input.phone ?? '');
    if (!phone || !input.code) throw new DomainError('VALIDATION', 'Confirm your mobile number with the code we sent you.', { field: 'code' });
    await verifyPhoneCode(deps, member.id, phone.e164, input.code);
    verifiedPhone = phone.e164;
  }
  let hash: string | null = null;
  if (view.needsPassword) {
    const problem = passwordProblem(input.password ?? '', view.email);
    if (problem) throw new DomainError('VALIDATION', problem, { field: 'password' });
    hash = await hashPassword(input.password!);
  } else {
    // The person already signs in here (another organization): the link alone must not attach
    // that sign-in to a new organization, so they prove it with their current password.
    const existing = await findPersonByEmailRepo(deps.db, normalizeEmail(view.email));
    if (!existing?.password_hash || !(await verifyPassword(input.password ?? '', existing.password_hash)))
      throw new DomainError('VALIDATION', 'Enter your current Roster password to join: it is the one you already use to sign in.', { field: 'password' });
  }
  return deps.db.transaction().execute(async (trx) => {
    const { member } = await consumeOrExplain(trx, token, 'invitation', now);
    if (!canApply('accept', member.status)) throw linkError('LINK_INVALID');
    const person = await ensurePerson(trx, member.email_normalized, now);
    if (hash && !person.password_hash) await setPasswordHash(trx, person.id, hash, now);
    const after = await updateMember(trx, member.id, {
      status: 'accepted',
      person_id: person.id,
      accepted_at: now,
      status_changed_at: now,
      updated_at: now,
      ...(verifiedPhone ? { phone: verifiedPhone, phone_digits: verifiedPhone.replace(/\D/g, '') } : {}),
    });
    await insertAuditRows(trx, [memberAudit(member.organization_id, inviteeActor(after), 'member.accept', member, after, now)]);
    return { organizationName: view.organizationName, email: member.email };
  });
}

export async function declineInvitation(deps: ServiceDeps, token: string): Promise<{ organizationName: string }> {
  const now = deps.clock.now().toISOString();
  return deps.db.transaction().execute(async (trx) => {
    const { member } = await consumeOrExplain(trx, token, 'invitation', now);
    const after = await updateMember(trx, member.id, { status: 'declined', status_changed_at: now, updated_at: now });
    await insertAuditRows(trx, [memberAudit(member.organization_id, inviteeActor(member), 'member.decline', member, after, now)]);
    const org = (await findOrganization(trx, member.organization_id))!;
    return { organizationName: org.name };
  });
}

export async function acceptReactivation(deps: ServiceDeps, token: string): Promise<{ organizationName: string }> {
  const now = deps.clock.now().toISOString();
  return deps.db.transaction().execute(async (trx) => {
    const { member } = await consumeOrExplain(trx, token, 'reactivation', now);
    const after = await updateMember(trx, member.id, { status: 'accepted', status_changed_at: now, updated_at: now });
    await insertAuditRows(trx, [memberAudit(member.organization_id, inviteeActor(member), 'member.accept_reactivation', member, after, now)]);
    const org = (await findOrganization(trx, member.organization_id))!;
    return { organizationName: org.name };
  });
}

/** Sets a new password; never signs the person in (they sign in themselves afterwards). */
export async function resetPassword(deps: ServiceDeps, token: string, password: string): Promise<void> {
  const now = deps.clock.now().toISOString();
  const view = await inspectLink(deps, token, 'password_reset');
  const problem = passwordProblem(password, view.email);
  if (problem) throw new DomainError('VALIDATION', problem, { field: 'password' });
  const hash = await hashPassword(password);
  const personId = await deps.db.transaction().execute(async (trx) => {
    const { member } = await consumeOrExplain(trx, token, 'password_reset', now);
    const person = await ensurePerson(trx, member.email_normalized, now);
    await setPasswordHash(trx, person.id, hash, now);
    await insertAuditRows(trx, [memberAudit(member.organization_id, inviteeActor(member), 'member.password_set', member, member, now)]);
    return person.id;
  });
  deps.passwordChanged?.(personId);
}
