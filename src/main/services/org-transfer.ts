import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../core/errors';
import { insertAuditRows } from '../db/repos/audit.repo';
import { listAccounts } from '../db/repos/accounts.repo';
import { findMailSettings } from '../db/repos/mail-settings.repo';
import { listModules } from '../db/repos/modules.repo';
import { countMembersOf, grantsOfPage, memberPage } from '../db/repos/org-transfer.repo';
import { listRoles, rolePermissions } from '../db/repos/roles.repo';
import type { Member } from '../db/tables/member.table';
import type { AdminActor } from './actor';
import { auditRow } from './audit';
import type { BatchProgress, ServiceDeps } from './deps';
import { yieldToEventLoop } from './members/export-links';
import { FORMAT, FORMAT_VERSION, parseOrganizationFile, type MemberEntry } from './org-transfer-format';
import { importOrganization, requireOwner, type ImportResult } from './org-transfer-import';
import { requireOrganization, settingsOf } from './organizations';

export type { ImportResult };

/**
 * Export and import of one whole organization as a JSON file (issue 16, "Backup and restore").
 * Export goes out in chunks the console asks for one after the other (header, then members by
 * id, 2,000 a chunk): no call holds the server for long and none keeps state between calls (the
 * cursor the console hands back is signed, see ExportCursor).
 * Import comes in as text parts (each under the request cap), then is checked whole and written in
 * ONE transaction: all or nothing. It queues no mail; pending invitations need a resend.
 */

export const EXPORT_PAGE = 2000;
/** Text per import part: under the router's 1 MB body cap even when JSON-escaped. */
export const IMPORT_PART_CHARS = 256 * 1024;

/**
 * What the uploads may hold in memory. At commit a file's parts are joined into one string, and V8's
 * longest string is 536,870,888 characters (buffer.constants.MAX_STRING_LENGTH): the cap is about half
 * of that, so the join never fails ("RangeError: Invalid string length" answered 500 at the former 512 MB).
 * Each person holds one upload (choosing a file again replaces theirs) and the install `maxOpen`: a
 * few Owners cannot fill the memory with files nobody commits. An upload idle `idleMs` is dropped.
 * Tests lower these to reach them with small files.
 */
export const importLimits = { maxChars: 256 * 1024 * 1024, maxOpen: 2, idleMs: 15 * 60_000 };

/**
 * Where the next chunk starts and how many members were written before it. The ending's count is
 * taken from it, so it carries the server's signature (a key of this process): a cursor the server
 * did not issue (written 5 after the last member) would end a file claiming members it lacks.
 */
export interface ExportCursor {
  afterId: number;
  written: number;
  sig: string;
}

const CURSOR_KEY = randomBytes(32);

function cursorSig(organizationId: number, personId: number, afterId: number, written: number): string {
  return createHmac('sha256', CURSOR_KEY).update(`export:${organizationId}:${personId}:${afterId}:${written}`).digest('base64url');
}

function issueCursor(organizationId: number, personId: number, afterId: number, written: number): ExportCursor {
  return { afterId, written, sig: cursorSig(organizationId, personId, afterId, written) };
}

function cursorIsOurs(organizationId: number, personId: number, c: ExportCursor): boolean {
  const want = Buffer.from(cursorSig(organizationId, personId, c.afterId, c.written));
  const got = Buffer.from(c.sig);
  return got.length === want.length && timingSafeEqual(got, want);
}

export interface ExportChunk {
  text: string;
  next: ExportCursor | null;
  total: number;
}

/** The file's beginning (everything but the members), and one audit row for the export. */
async function exportHeader(deps: ServiceDeps, actor: AdminActor, organizationId: number): Promise<ExportChunk> {
  const db = deps.db;
  const org = await requireOrganization(db, organizationId);
  const roles = await listRoles(db, organizationId);
  const perms = await rolePermissions(
    db,
    roles.map((r) => r.id),
  );
  const mail = await findMailSettings(db, organizationId);
  const settings = settingsOf(org);
  const now = deps.clock.now().toISOString();
  const total = await countMembersOf(db, organizationId);
  const head = {
    format: FORMAT,
    version: FORMAT_VERSION,
    exportedAt: now,
    exportedBy: actor.label,
    organization: {
      name: settings.name,
      invitationValidityDays: settings.invitationValidityDays,
      allowDomains: settings.allowDomains,
      denyDomains: settings.denyDomains,
      blockDisposable: settings.blockDisposable,
      requirePhone: settings.requirePhone,
      timeZone: settings.timeZone,
      idleLockMinutes: settings.idleLockMinutes,
      createdAt: org.created_at,
    },
    accounts: (await listAccounts(db, organizationId)).map((a) => ({ key: a.id, parent: a.parent_id, name: a.name, createdAt: a.created_at })),
    roles: roles.map((r) => ({
      key: r.id,
      name: r.name,
      builtin: r.builtin,
      description: r.description,
      permissions: perms.filter((p) => p.role_id === r.id).map((p) => p.permission),
      createdAt: r.created_at,
    })),
    modules: (await listModules(db, organizationId)).map((m) => ({ key: m.key, name: m.name, adminOnly: m.admin_only === 1 })),
    // The SMTP password never leaves (nor the SMS gateway address, which carries its key).
    mail: mail ? { host: mail.host, port: mail.port, security: mail.security, username: mail.username, fromName: mail.from_name, fromAddress: mail.from_address } : null,
  };
  await insertAuditRows(db, [auditRow(organizationId, actor, 'organization.export', { type: 'organization', id: org.id, label: org.name }, null, { members: total, format: FORMAT, version: FORMAT_VERSION }, now)]);
  const json = JSON.stringify(head, null, 1);
  return { text: `${json.slice(0, -2)},\n "members": [\n`, next: issueCursor(organizationId, actor.personId, 0, 0), total };
}

function memberEntry(m: Member, g: Awaited<ReturnType<typeof grantsOfPage>>): MemberEntry {
  return {
    key: m.id,
    email: m.email,
    name: m.name,
    phone: m.phone,
    status: m.status,
    hasPerson: m.person_id !== null,
    invitedBy: m.invited_by_member_id,
    invitedAt: m.invited_at,
    inviteExpiresAt: m.invite_expires_at,
    acceptedAt: m.accepted_at,
    statusChangedAt: m.status_changed_at,
    createdAt: m.created_at,
    updatedAt: m.updated_at,
    roles: g.roles.filter((r) => r.member_id === m.id).map((r) => ({ role: r.role_id, account: r.account_id })),
    permissions: g.permissions.filter((p) => p.member_id === m.id).map((p) => ({ permission: p.permission, account: p.account_id })),
    accounts: g.accounts.filter((a) => a.member_id === m.id).map((a) => a.account_id),
  };
}

/** One chunk of the file: the header for no cursor, else the next members; the last closes the file. */
export async function exportChunk(deps: ServiceDeps, actor: AdminActor, organizationId: number, cursor: ExportCursor | null): Promise<ExportChunk> {
  requireOwner(actor);
  if (cursor === null) return exportHeader(deps, actor, organizationId);
  if (!cursorIsOurs(organizationId, actor.personId, cursor))
    throw new DomainError('VALIDATION', 'This export was interrupted (Roster restarted, or the request was changed): export the organization again.', { field: 'cursor' });
  const page = await memberPage(deps.db, organizationId, cursor.afterId, EXPORT_PAGE);
  const g = await grantsOfPage(
    deps.db,
    page.map((m) => m.id),
  );
  const byMember = { roles: [...g.roles], permissions: [...g.permissions], accounts: [...g.accounts] };
  const lines = page.map((m) => ` ${JSON.stringify(memberEntry(m, byMember))}`);
  const written = cursor.written + page.length;
  const sep = cursor.written > 0 && page.length > 0 ? ',\n' : '';
  const body = `${sep}${lines.join(',\n')}`;
  if (page.length < EXPORT_PAGE) return { text: `${body}\n ],\n "end": { "members": ${written} }\n}\n`, next: null, total: written };
  return { text: body, next: issueCursor(organizationId, actor.personId, page[page.length - 1]!.id, written), total: await countMembersOf(deps.db, organizationId) };
}

interface Upload {
  personId: number;
  parts: string[];
  size: number;
  touched: number;
}
const uploads = new Map<string, Upload>();
let sweeper: ReturnType<typeof setInterval> | null = null;

/** Drops idle uploads; runs while any is held, so an abandoned file leaves memory without another import coming. */
function sweepUploads(now = Date.now()): void {
  for (const [id, u] of uploads) if (now - u.touched > importLimits.idleMs) uploads.delete(id);
  if (uploads.size === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

function sizeText(chars: number): string {
  const mb = 1024 * 1024;
  return chars >= mb ? `${Math.floor(chars / mb)} MB` : `${chars.toLocaleString('en-US')} characters`;
}

const interrupted = () => new DomainError('NOT_FOUND', 'This import was interrupted: choose the file again.');

/** Opens an upload for this person, in place of one they left; refused while the install holds its most. */
function openUpload(personId: number, now: number): string {
  for (const [id, u] of uploads) if (u.personId === personId) uploads.delete(id);
  if (uploads.size >= importLimits.maxOpen)
    throw new DomainError(
      'IN_USE',
      `${uploads.size === 1 ? 'Another file is' : `${uploads.size} other files are`} being imported on this Roster: try again once ${uploads.size === 1 ? 'it is' : 'they are'} done (a file left unfinished is dropped after ${importLimits.idleMs / 60_000} minutes).`,
    );
  const id = randomBytes(16).toString('hex');
  uploads.set(id, { personId, parts: [], size: 0, touched: now });
  if (!sweeper) {
    sweeper = setInterval(sweepUploads, 60_000);
    sweeper.unref();
  }
  return id;
}

/** Keeps one part of a file being imported; returns the upload's id (kept in memory, dropped when idle). */
export function importPart(actor: AdminActor, uploadId: string | null, text: string): { uploadId: string; received: number } {
  requireOwner(actor);
  const now = Date.now();
  sweepUploads(now);
  const id = uploadId ?? openUpload(actor.personId, now);
  const upload = uploads.get(id);
  if (!upload || upload.personId !== actor.personId) throw interrupted();
  // Refused before it is kept: the parts held never pass the cap.
  if (upload.size + text.length > importLimits.maxChars) {
    uploads.delete(id);
    throw new DomainError('VALIDATION', `This file is larger than Roster imports (at most ${sizeText(importLimits.maxChars)}): nothing was imported.`, { field: 'text' });
  }
  upload.size += text.length;
  upload.parts.push(text);
  upload.touched = now;
  return { uploadId: id, received: upload.size };
}

/**
 * Checks the whole uploaded file, then creates the organization in one transaction. On a SQLite file
 * both run in the batch worker (workers/import-job.ts): a file of 100,000 members takes tens of
 * seconds, and the other admins' requests are answered meanwhile. PostgreSQL's pool runs it here.
 */
export async function importCommit(deps: ServiceDeps, actor: AdminActor & { email: string }, organizationId: number, uploadId: string, progress?: (p: BatchProgress) => void): Promise<ImportResult> {
  requireOwner(actor);
  sweepUploads();
  const upload = uploads.get(uploadId);
  if (!upload || upload.personId !== actor.personId) throw interrupted();
  uploads.delete(uploadId);
  const text = upload.parts.join('');
  upload.parts = [];
  if (deps.batches) {
    const job = { kind: 'org-import' as const, now: deps.clock.now().toISOString(), organizationId, actor: { personId: actor.personId, memberId: actor.memberId, label: actor.label, email: actor.email }, text };
    return (await deps.batches.run(job, progress)).result as ImportResult;
  }
  await yieldToEventLoop();
  return importOrganization(deps, actor, await parseOrganizationFile(text), progress);
}
