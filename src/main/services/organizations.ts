import { z } from 'zod';
import { BUILTIN_ROLES, BUILTIN_ROLE_DESCRIPTIONS, BUILTIN_ROLE_NAMES, DEFAULT_MODULES, builtinRolePermissions } from '../../shared/permissions';
import { normalizeEmail } from '../core/addresses';
import { AccountTree, Authz, type Grant } from '../core/authz';
import { DomainError } from '../core/errors';
import { httpUrl } from '../core/external-links';
import { hashPassword, passwordProblem } from '../core/passwords';
import type { DbOrTx } from '../db/database';
import { insertAuditRows } from '../db/repos/audit.repo';
import { insertAccount, listAccounts } from '../db/repos/accounts.repo';
import { grantsOfMembers, insertMemberRoles } from '../db/repos/grants.repo';
import { insertMembers, membersOfPerson } from '../db/repos/members.repo';
import { insertModules } from '../db/repos/modules.repo';
import { claimOrganizationVersion, findOrganization, insertOrganization, updateOrganization } from '../db/repos/organizations.repo';
import { anyPersonWithPassword, ensurePerson, setPasswordHash } from '../db/repos/people.repo';
import { insertRole } from '../db/repos/roles.repo';
import type { Organization } from '../db/tables/organization.table';
import { auditRow, memberAudit } from './audit';
import type { Actor, ServiceDeps } from './deps';
import { staleSave } from './stale';

/** Creates an organization with its company account, built-in roles and modules, and its first Owner. */
async function createOrganizationWithOwner(
  trx: DbOrTx,
  now: string,
  input: { organizationName: string; email: string; name: string | null; personId: number },
  actor: Actor | null,
) {
  const org = await insertOrganization(trx, { name: input.organizationName, created_at: now });
  const root = await insertAccount(trx, { organization_id: org.id, parent_id: null, name: input.organizationName, created_at: now });
  const roles: Record<string, number> = {};
  for (const builtin of BUILTIN_ROLES) {
    const role = await insertRole(trx, { organization_id: org.id, name: BUILTIN_ROLE_NAMES[builtin], builtin, description: BUILTIN_ROLE_DESCRIPTIONS[builtin], created_at: now }, builtinRolePermissions(builtin));
    roles[builtin] = role.id;
  }
  await insertModules(trx, DEFAULT_MODULES.map((m) => ({ organization_id: org.id, key: m.key, name: m.name, admin_only: m.adminOnly ? 1 : 0 })));
  const [owner] = await insertMembers(trx, [
    {
      organization_id: org.id,
      person_id: input.personId,
      email: input.email.trim(),
      email_normalized: normalizeEmail(input.email),
      name: input.name,
      phone: null,
      phone_digits: null,
      status: 'accepted',
      invited_by_member_id: null,
      invited_at: null,
      invite_expires_at: null,
      accepted_at: now,
      status_changed_at: now,
      created_at: now,
      updated_at: now,
    },
  ]);
  await insertMemberRoles(trx, [{ member_id: owner!.id, role_id: roles.owner!, account_id: root.id }]);
  const who: Actor = actor ?? { personId: input.personId, memberId: owner!.id, label: normalizeEmail(input.email) };
  await insertAuditRows(trx, [
    auditRow(org.id, who, 'organization.create', { type: 'organization', id: org.id, label: org.name }, null, { name: org.name }, now),
    memberAudit(org.id, who, 'member.owner', null, owner!, now, { role: 'Owner' }),
  ]);
  return { organization: org, owner: owner! };
}

export const registrationInput = z.object({
  organizationName: z.string().trim().min(1, 'Give the organization a name.').max(200),
  email: z.email('Enter a valid email address.').max(254),
  name: z.string().trim().max(200).optional(),
  password: z.string(),
});

/** First run: the first person registers the organization and becomes its Owner. */
export async function registerOwner(deps: ServiceDeps, input: z.infer<typeof registrationInput>) {
  const problem = passwordProblem(input.password, input.email);
  if (problem) throw new DomainError('VALIDATION', problem, { field: 'password' });
  if (await anyPersonWithPassword(deps.db))
    throw new DomainError('ALREADY_REGISTERED', 'Roster already has an Owner here: sign in instead, or ask an admin to invite you.');
  const hash = await hashPassword(input.password);
  const now = deps.clock.now().toISOString();
  return deps.db.transaction().execute(async (trx) => {
    // Checked again inside the transaction: two first-runs racing must not make two Owners.
    if (await anyPersonWithPassword(trx)) throw new DomainError('ALREADY_REGISTERED', 'Roster already has an Owner here: sign in instead.');
    const person = await ensurePerson(trx, normalizeEmail(input.email), now);
    await setPasswordHash(trx, person.id, hash, now);
    const { organization, owner } = await createOrganizationWithOwner(trx, now, { organizationName: input.organizationName, email: input.email, name: input.name || null, personId: person.id }, null);
    return { personId: person.id, organizationId: organization.id, memberId: owner.id };
  });
}

export async function createOrganization(deps: ServiceDeps, actor: Actor & { personId: number; email: string }, name: string) {
  const now = deps.clock.now().toISOString();
  return deps.db.transaction().execute(async (trx) => {
    // The Owner keeps the name they go by elsewhere (else the header would show their address).
    const ownName = (await membersOfPerson(trx, actor.personId)).find((m) => m.name)?.name ?? null;
    const { organization } = await createOrganizationWithOwner(trx, now, { organizationName: name, email: actor.email, name: ownName, personId: actor.personId }, null);
    return organization;
  });
}

export async function requireOrganization(db: DbOrTx, id: number): Promise<Organization> {
  const org = await findOrganization(db, id);
  if (!org) throw new DomainError('NOT_FOUND', 'That organization no longer exists.');
  return org;
}

export async function loadAccountTree(db: DbOrTx, organizationId: number): Promise<AccountTree> {
  return new AccountTree(await listAccounts(db, organizationId));
}

export async function loadAuthz(db: DbOrTx, organizationId: number, memberId: number, tree?: AccountTree): Promise<Authz> {
  const grants: Grant[] = (await grantsOfMembers(db, [memberId])).map((g) => ({ permission: g.permission, accountId: g.account_id, roleName: g.role_name }));
  return new Authz(grants, tree ?? (await loadAccountTree(db, organizationId)));
}

export interface OrganizationSettings {
  name: string;
  invitationValidityDays: number;
  allowDomains: string[];
  denyDomains: string[];
  blockDisposable: boolean;
  requirePhone: boolean;
  smsWebhookUrl: string | null;
  timeZone: string;
  idleLockMinutes: number;
}

export function settingsOf(org: Organization): OrganizationSettings {
  return {
    name: org.name,
    invitationValidityDays: org.invitation_validity_days,
    allowDomains: JSON.parse(org.allow_domains) as string[],
    denyDomains: JSON.parse(org.deny_domains) as string[],
    blockDisposable: org.block_disposable === 1,
    requirePhone: org.require_phone === 1,
    smsWebhookUrl: org.sms_webhook_url,
    timeZone: org.time_zone,
    idleLockMinutes: org.idle_lock_minutes,
  };
}

/** The time zone's canonical IANA name, or null for one this runtime does not know. */
export function canonicalTimeZone(tz: string): string | null {
  if (tz === '') return null;
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

function hasCredentials(raw: string): boolean {
  const url = httpUrl(raw);
  return !!url && (url.username !== '' || url.password !== '');
}

const domainEntry = z
  .string()
  .trim()
  .toLowerCase()
  .transform((s) => s.replace(/^@/, '').replace(/^\*\./, ''))
  .pipe(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'Domains look like example.com.'));

export const settingsInput = z.object({
  name: z.string().trim().min(1, 'Give the organization a name.').max(200),
  invitationValidityDays: z
    .number()
    .int('Invitations must be valid for a whole number of days.')
    .min(1, 'Invitations must be valid for between 1 and 90 days.')
    .max(90, 'Invitations must be valid for between 1 and 90 days.'),
  allowDomains: z.array(domainEntry).max(500),
  denyDomains: z.array(domainEntry).max(500),
  blockDisposable: z.boolean(),
  requirePhone: z.boolean(),
  /** The SMS gateway that receives {to, code, text} as JSON; needed when requirePhone is on. */
  smsWebhookUrl: z
    .string()
    .trim()
    .max(2000)
    .refine((u) => u === '' || (/^https?:\/\/[^\s]+$/i.test(u) && httpUrl(u) !== null), 'The SMS gateway address must be a web address starting with http:// or https://, e.g. https://sms.example.com/send.')
    // fetch refuses an address carrying a user name or password: no code could ever be sent.
    .refine((u) => u === '' || !hasCredentials(u), 'Put the gateway’s key in the path or the query of its address, not before an @: Roster cannot send to an address with a user name or password.')
    .nullish()
    .transform((u) => u || null),
  /** Stored in its canonical IANA form (europe/paris → Europe/Paris, US/Eastern → America/New_York). */
  timeZone: z
    .string()
    .trim()
    .transform((tz, ctx) => {
      const canonical = canonicalTimeZone(tz);
      if (canonical === null) ctx.addIssue({ code: 'custom', message: 'Pick a time zone from the list (for example Europe/Paris).' });
      return canonical ?? tz;
    }),
  idleLockMinutes: z
    .number()
    .int('The idle lock must be a whole number of minutes.')
    .min(1, 'The idle lock must be between 1 and 1440 minutes.')
    .max(24 * 60, 'The idle lock must be between 1 and 1440 minutes.'),
  /** The version the admin's copy was read at: a save over a newer one is refused (team mode). */
  version: z.number().int().positive().optional(),
});

export async function updateSettings(deps: ServiceDeps, actor: Actor, organizationId: number, input: z.infer<typeof settingsInput>) {
  if (input.requirePhone && !input.smsWebhookUrl)
    throw new DomainError('VALIDATION', 'To ask invitees for a phone code, give the address of your SMS gateway.', { field: 'smsWebhookUrl' });
  const now = deps.clock.now().toISOString();
  return deps.db.transaction().execute(async (trx) => {
    const before = await requireOrganization(trx, organizationId);
    if (input.version !== undefined && (before.version !== input.version || !(await claimOrganizationVersion(trx, organizationId, input.version))))
      throw await staleSave(trx, 'organization', organizationId);
    const after = await updateOrganization(trx, organizationId, {
      name: input.name,
      invitation_validity_days: input.invitationValidityDays,
      allow_domains: JSON.stringify([...new Set(input.allowDomains)]),
      deny_domains: JSON.stringify([...new Set(input.denyDomains)]),
      block_disposable: input.blockDisposable ? 1 : 0,
      require_phone: input.requirePhone ? 1 : 0,
      sms_webhook_url: input.smsWebhookUrl ?? null,
      time_zone: input.timeZone,
      idle_lock_minutes: input.idleLockMinutes,
    });
    await insertAuditRows(trx, [
      auditRow(organizationId, actor, 'settings.update', { type: 'organization', id: organizationId, label: after.name }, settingsOf(before), settingsOf(after), now),
    ]);
    return { ...settingsOf(after), version: after.version };
  });
}
