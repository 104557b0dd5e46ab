import { DomainError } from '../../core/errors';
import { canApply } from '../../core/lifecycle';
import { hashPassword, passwordProblem, verifyPassword } from '../../core/passwords';
import { normalizeEmail } from '../../core/addresses';
import { insertAuditRows } from '../../db/repos/audit.repo';
import { rolesOfMembers } from '../../db/repos/grants.repo';
import { findMember, updateMember } from '../../db/repos/members.repo';
import { findOrganization } from '../../db/repos/organizations.repo';
import { ensurePerson, findPerson, findPersonByEmail as findPersonByEmailRepo, setPasswordHash } from '../../db/repos/people.repo';
import type { LinkPurpose } from '../../db/tables/link.table';
import { memberAudit } from '../audit';
import type { ServiceDeps } from '../deps';
import { normalizePhone } from '../phones';
import { consumeOrExplain, inviteeActor, linkError, resolveLink } from './links';
import { verifyPhoneCode } from './phone';

/** What an invitee does with a link: look at it, accept or decline, reactivate, set a new password. */

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
  const person = member.person_id ? await findPerson(deps.db, member.person_id) : await findPersonByEmailRepo(deps.db, member.email_normalized);
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

/** `client`: where the invitee's request comes from, for the guess limiter shared with sign-in. */
export async function acceptInvitation(deps: ServiceDeps, token: string, input: { password?: string; phone?: string | null; code?: string; client?: string }): Promise<{ organizationName: string; email: string }> {
  const now = deps.clock.now().toISOString();
  // Hash outside the transaction (it takes a while) but only after checking the link is good.
  const view = await inspectLink(deps, token, 'invitation');
  let verifiedPhone: string | null = null;
  if (view.requirePhone) {
    const { member } = await resolveLink(deps.db, token, 'invitation', now);
    const phone = normalizePhone(input.phone ?? '');
    if (!phone || !input.code) throw new DomainError('VALIDATION', 'Confirm your mobile number with the code we sent you.', { field: 'code' });
    await verifyPhoneCode(deps, member.id, phone.e164, input.code, input.client);
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
    // The same limiter as sign-in, per person and client: a link is no way around it.
    const email = normalizeEmail(view.email);
    const ok = await deps.guesses.guard({ person: email, client: input.client ?? 'portal' }, async () => {
      const existing = await findPersonByEmailRepo(deps.db, email);
      return !!existing?.password_hash && (await verifyPassword(input.password ?? '', existing.password_hash));
    });
    if (!ok)
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
  await deps.passwordChanged?.(personId);
}
