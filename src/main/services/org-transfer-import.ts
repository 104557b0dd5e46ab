import { normalizeEmail } from '../core/addresses';
import { DomainError } from '../core/errors';
import { insertAuditRows } from '../db/repos/audit.repo';
import { insertAccount } from '../db/repos/accounts.repo';
import { insertMemberAccounts, insertMemberPermissions, insertMemberRoles } from '../db/repos/grants.repo';
import { saveMailSettings } from '../db/repos/mail-settings.repo';
import { insertMembers } from '../db/repos/members.repo';
import { insertModules } from '../db/repos/modules.repo';
import { insertOrganization } from '../db/repos/organizations.repo';
import { ensurePeople, findOrganizationByName, setInviters } from '../db/repos/org-transfer.repo';
import { insertRole } from '../db/repos/roles.repo';
import type { NewMember } from '../db/tables/member.table';
import { isOwner, type AdminActor } from './actor';
import { auditRow } from './audit';
import type { BatchProgress, ServiceDeps } from './deps';
import { yieldToEventLoop } from './members/export-links';
import type { MemberEntry, OrganizationFile } from './org-transfer-format';

const INSERT_SLICE = 1000;

/**
 * Import of an organization file (checked whole by org-transfer-format.ts) as a NEW organization,
 * in ONE transaction: new ids, relationships kept through the file's keys, no mail queued.
 */

export function requireOwner(actor: AdminActor): void {
  if (!isOwner(actor.authz)) throw new DomainError('OWNER_ONLY', 'Only an Owner can export or import a whole organization.');
}

export interface ImportResult {
  organizationId: number;
  name: string;
  members: number;
  byStatus: Record<string, number>;
  accounts: number;
  roles: number;
  modules: number;
  /** People without a password on this install: an admin sends them a password reset from Members. */
  peopleWithoutPassword: number;
  /** Pending invitations came without a live link: each needs a resend. */
  pendingNeedResend: number;
  notes: string[];
}

export async function importOrganization(deps: ServiceDeps, actor: AdminActor & { email: string }, file: OrganizationFile, progress?: (p: BatchProgress) => void): Promise<ImportResult> {
  requireOwner(actor);
  const now = deps.clock.now().toISOString();
  const duplicate = await findOrganizationByName(deps.db, file.organization.name);
  const nameTaken = (name: string) =>
    new DomainError('NAME_TAKEN', `$.organization.name: an organization named "${name}" already exists here. Rename it in the file (or rename the one here) and import again.`, { field: '$.organization.name' });
  if (duplicate) throw nameTaken(duplicate.name);
  const me = normalizeEmail(actor.email);
  const meInFile = file.members.find((m) => normalizeEmail(m.email) === me && m.status !== 'deleted');
  if (meInFile && meInFile.status !== 'accepted')
    throw new DomainError('VALIDATION', `$.members[${file.members.indexOf(meInFile)}].status: you (${actor.email}) are "${meInFile.status}" in this file; the importer becomes its Owner and must be accepted there.`, {
      field: 'members',
    });
  const result = await deps.db.transaction().execute(async (trx) => {
    const again = await findOrganizationByName(trx, file.organization.name);
    if (again) throw nameTaken(again.name);
    const o = file.organization;
    const org = await insertOrganization(trx, {
      name: o.name,
      invitation_validity_days: o.invitationValidityDays,
      allow_domains: JSON.stringify(o.allowDomains),
      deny_domains: JSON.stringify(o.denyDomains),
      block_disposable: o.blockDisposable ? 1 : 0,
      require_phone: o.requirePhone ? 1 : 0,
      time_zone: o.timeZone,
      idle_lock_minutes: o.idleLockMinutes,
      sms_webhook_url: null,
      created_at: o.createdAt,
    });
    // Accounts parents first, breadth first from the root (the file checked there is one root and no
    // cycle): a walk of each account's children, linear however the file orders them.
    const accountId = new Map<number, number>();
    const childrenOf = new Map<number | null, (typeof file.accounts)[number][]>();
    for (const a of file.accounts) {
      const siblings = childrenOf.get(a.parent);
      if (siblings) siblings.push(a);
      else childrenOf.set(a.parent, [a]);
    }
    const queue = [...(childrenOf.get(null) ?? [])];
    for (let next = 0; next < queue.length; next++) {
      const a = queue[next]!;
      const row = await insertAccount(trx, { organization_id: org.id, parent_id: a.parent === null ? null : accountId.get(a.parent)!, name: a.name, created_at: a.createdAt });
      accountId.set(a.key, row.id);
      for (const child of childrenOf.get(a.key) ?? []) queue.push(child);
    }
    const rootKey = file.accounts.find((a) => a.parent === null)!.key;
    await insertModules(
      trx,
      file.modules.map((m) => ({ organization_id: org.id, key: m.key, name: m.name, admin_only: m.adminOnly ? 1 : 0 })),
    );
    const roleId = new Map<number, number>();
    for (const r of file.roles) {
      const row = await insertRole(trx, { organization_id: org.id, name: r.name, builtin: r.builtin, description: r.description, created_at: r.createdAt }, [...new Set(r.permissions)]);
      roleId.set(r.key, row.id);
    }
    if (file.mail)
      await saveMailSettings(trx, org.id, {
        host: file.mail.host,
        port: file.mail.port,
        security: file.mail.security,
        username: file.mail.username,
        password_enc: null,
        from_name: file.mail.fromName,
        from_address: file.mail.fromAddress,
        updated_at: now,
      });
    const signUps = file.members.filter((m) => m.hasPerson || m === meInFile).map((m) => normalizeEmail(m.email));
    const people = await ensurePeople(trx, [...signUps, me], now);
    const memberId = new Map<number, number>();
    const inviters: { memberId: number; inviterId: number }[] = [];
    const ordered = [...file.members].sort((a, b) => a.key - b.key);
    for (let i = 0; i < ordered.length; i += INSERT_SLICE) {
      // The event loop breathes between slices (SQLite's statements run synchronously).
      if (i > 0) await yieldToEventLoop();
      progress?.({ stage: 'writing', done: i, total: ordered.length });
      const part = ordered.slice(i, i + INSERT_SLICE);
      const rows: NewMember[] = part.map((m) => ({
        organization_id: org.id,
        person_id: m.hasPerson || m === meInFile ? people.ids.get(normalizeEmail(m.email))! : null,
        email: m.email,
        email_normalized: normalizeEmail(m.email),
        name: m.name || null,
        phone: m.phone || null,
        phone_digits: m.phone ? m.phone.replace(/\D/g, '') : null,
        status: m.status,
        invited_by_member_id: m.invitedBy !== null ? (memberId.get(m.invitedBy) ?? null) : null,
        invited_at: m.invitedAt,
        invite_expires_at: m.inviteExpiresAt,
        accepted_at: m.acceptedAt,
        status_changed_at: m.statusChangedAt,
        created_at: m.createdAt,
        updated_at: m.updatedAt,
      }));
      const inserted = await insertMembers(trx, rows);
      part.forEach((m, j) => memberId.set(m.key, inserted[j]!.id));
      // An inviter listed after the member it invited is pointed at once both exist.
      part.forEach((m, j) => {
        if (m.invitedBy !== null && rows[j]!.invited_by_member_id === null) inviters.push({ memberId: memberId.get(m.key)!, inviterId: m.invitedBy });
      });
      const id = (m: MemberEntry) => memberId.get(m.key)!;
      await insertMemberRoles(
        trx,
        part.flatMap((m) => m.roles.map((g) => ({ member_id: id(m), role_id: roleId.get(g.role)!, account_id: accountId.get(g.account)! }))),
      );
      await insertMemberPermissions(
        trx,
        part.flatMap((m) => m.permissions.map((g) => ({ member_id: id(m), permission: g.permission, account_id: accountId.get(g.account)! }))),
      );
      await insertMemberAccounts(
        trx,
        part.flatMap((m) => m.accounts.map((a) => ({ member_id: id(m), account_id: accountId.get(a)! }))),
      );
    }
    await setInviters(
      trx,
      inviters.map((p) => ({ memberId: p.memberId, inviterId: memberId.get(p.inviterId)! })),
    );
    // The importer becomes the organization's Owner (added as a member if the file does not hold them).
    const ownerRole = roleId.get(file.roles.find((r) => r.builtin === 'owner')!.key)!;
    const notes: string[] = [];
    let myMember = meInFile ? memberId.get(meInFile.key)! : null;
    if (myMember === null) {
      const [row] = await insertMembers(trx, [
        {
          organization_id: org.id,
          person_id: people.ids.get(me)!,
          email: actor.email,
          email_normalized: me,
          name: null,
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
      myMember = row!.id;
      notes.push(`You (${actor.email}) were added as its Owner.`);
    }
    await insertMemberRoles(trx, [{ member_id: myMember, role_id: ownerRole, account_id: accountId.get(rootKey)! }]);
    const byStatus: Record<string, number> = {};
    for (const m of file.members) byStatus[m.status] = (byStatus[m.status] ?? 0) + 1;
    const withoutPassword = new Set(signUps.filter((e) => !people.withPassword.has(e))).size;
    const pendingNeedResend = byStatus.pending ?? 0;
    if (pendingNeedResend > 0) notes.push(`${pendingNeedResend} pending invitations came without a live link (links never leave an install): resend them to mail a new one.`);
    // The sign-in page has no "Forgot password": a reset is an admin's to send (members.sendPasswordReset).
    if (withoutPassword > 0)
      notes.push(
        `${withoutPassword} ${withoutPassword === 1 ? 'person has' : 'people have'} no password on this Roster yet: send them a password reset from Members (a member's actions → "Send password reset", or select several → "Password reset"). It is mailed once a mail server is set up on the Mail page.`,
      );
    if (file.mail) notes.push('The mail server settings came without their password: enter it on the Mail page.');
    notes.push('No mail was sent.');
    const summary = { members: file.members.length, accounts: file.accounts.length, roles: file.roles.length, modules: file.modules.length, from: file.exportedBy, exportedAt: file.exportedAt };
    await insertAuditRows(trx, [auditRow(org.id, actor, 'organization.import', { type: 'organization', id: org.id, label: org.name }, null, summary, now)]);
    return {
      organizationId: org.id,
      name: org.name,
      members: file.members.length,
      byStatus,
      accounts: file.accounts.length,
      roles: file.roles.length,
      modules: file.modules.length,
      peopleWithoutPassword: withoutPassword,
      pendingNeedResend,
      notes,
    };
  });
  return result;
}
