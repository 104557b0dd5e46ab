import { createRequire } from 'node:module';
import type * as QRCodeModule from 'qrcode';
import { z } from 'zod';
import { csvCell, csvFile } from '../../shared/csv-export';
import { DomainError } from '../core/errors';
import { serverHost } from '../core/hosts';
import { insertAuditRows } from '../db/repos/audit.repo';
import { saveMailSettings } from '../db/repos/mail-settings.repo';
import { pendingMembersByEmail } from '../db/repos/members.repo';
import { latestMailOf, makeQueuedMailDue, requeueMail } from '../db/repos/outbox.repo';
import type { OutboxStatus } from '../db/tables/mail_outbox.table';
import { auditRow } from '../services/audit';
import type { Actor, ServiceDeps } from '../services/deps';
import { requireOrganization } from '../services/organizations';
import type { AdminActor } from '../services/actor';
import { EXPORT_BATCH, exportInviteLinks, yieldToEventLoop } from '../services/members/export-links';
import { assertInScope, loadTargets } from '../services/members/guards';
import type { MailConfigResolver } from './config';
import type { MailSender } from './sender';
import { escapeHtml, formatExpiry } from './templates';
import { classifySmtpError, createSmtpTransport, formatFrom, type SmtpConfig, type TransportOptions } from './transport';

/** The mail side of the running process: configuration, the sender, and transport options for tests. */
export interface MailRuntime {
  config: MailConfigResolver;
  sender: MailSender;
  transport?: TransportOptions;
}

const noLineBreaks = (what: string) => z.string().regex(/^[^\r\n]*$/, `${what} cannot contain line breaks.`);

export const SERVER_NAME_ONLY = "Type the server's name only, e.g. smtp.example.com (the port goes in Port).";

export const mailSettingsInput = z.object({
  host: noLineBreaks('The host')
    .trim()
    .min(1, 'Enter the SMTP server host name, for example smtp.example.org.')
    .max(255)
    .transform((host, ctx) => {
      const stored = serverHost(host);
      if (stored === null) ctx.addIssue({ code: 'custom', message: SERVER_NAME_ONLY });
      return stored ?? host;
    }),
  port: z.number().int().min(1, 'The port is a number from 1 to 65535.').max(65535, 'The port is a number from 1 to 65535.'),
  security: z.enum(['none', 'starttls', 'tls']),
  username: noLineBreaks('The user name').trim().max(320).nullable().default(null),
  /** Undefined keeps the stored password; null removes it. */
  password: noLineBreaks('The password').max(1000).nullable().optional(),
  fromName: noLineBreaks('The sender name').trim().max(200).nullable().default(null),
  fromAddress: z.email('Enter the sender address, for example roster@example.org.').max(320),
});
export type MailSettingsInput = z.infer<typeof mailSettingsInput>;

export interface MailSettingsView {
  source: 'organization' | 'environment' | 'none';
  host: string;
  port: number;
  security: 'none' | 'starttls' | 'tls';
  username: string | null;
  hasPassword: boolean;
  fromName: string | null;
  fromAddress: string;
  publicBaseUrl: string;
}

function view(source: MailSettingsView['source'], c: Omit<SmtpConfig, 'password'> & { hasPassword: boolean }, publicBaseUrl: string): MailSettingsView {
  return { source, host: c.host, port: c.port, security: c.security, username: c.username, hasPassword: c.hasPassword, fromName: c.fromName, fromAddress: c.fromAddress, publicBaseUrl };
}

/** The settings for the Mail page: never the password, only whether one is stored. */
export async function getMailSettings(deps: ServiceDeps, mail: MailRuntime, organizationId: number): Promise<MailSettingsView> {
  const row = await mail.config.settingsRow(organizationId);
  const base = deps.publicBaseUrl();
  if (row) return view('organization', { host: row.host, port: row.port, security: row.security, username: row.username, hasPassword: !!row.password_enc, fromName: row.from_name, fromAddress: row.from_address }, base);
  const env = mail.config.env;
  if (env) return view('environment', { ...env, hasPassword: !!env.password }, base);
  return view('none', { host: '', port: 587, security: 'starttls', username: null, hasPassword: false, fromName: null, fromAddress: '' }, base);
}

/** Whether this organization's mail goes anywhere: without a server, invitations wait (their links can be copied or exported). */
export async function getMailStatus(mail: MailRuntime | undefined, organizationId: number): Promise<{ configured: boolean; source: MailSettingsView['source'] }> {
  if (!mail) return { configured: false, source: 'none' };
  if (await mail.config.settingsRow(organizationId)) return { configured: true, source: 'organization' };
  return mail.config.env ? { configured: true, source: 'environment' } : { configured: false, source: 'none' };
}

export async function updateMailSettings(deps: ServiceDeps, mail: MailRuntime, actor: Actor, organizationId: number, input: MailSettingsInput): Promise<MailSettingsView> {
  const now = deps.clock.now().toISOString();
  await deps.db.transaction().execute(async (trx) => {
    const before = await mail.config.settingsRow(organizationId, trx);
    // The stored password must not follow a change of server: it would be handed to the new one.
    const serverChanged = before && (before.host !== input.host || before.port !== input.port || before.security !== input.security || before.username !== (input.username || null));
    if (serverChanged && before.password_enc && input.password === undefined)
      throw new DomainError('VALIDATION', 'You changed the server or user: enter the password again (it is never sent to another server).', { field: 'password' });
    const password_enc = input.password === undefined ? (before?.password_enc ?? null) : input.password === null || input.password === '' ? null : mail.config.encrypt(input.password);
    const values = {
      host: input.host,
      port: input.port,
      security: input.security,
      username: input.username || null,
      password_enc,
      from_name: input.fromName || null,
      from_address: input.fromAddress,
      updated_at: now,
    };
    await saveMailSettings(trx, organizationId, values);
    const shown = (r: typeof values | undefined) => (r ? { host: r.host, port: r.port, security: r.security, username: r.username, hasPassword: !!r.password_enc, fromName: r.from_name, fromAddress: r.from_address } : null);
    // A new configuration deserves a fresh attempt: mail waiting out a backoff is due now.
    await makeQueuedMailDue(trx, organizationId, now);
    await insertAuditRows(trx, [auditRow(organizationId, actor, 'mail.settings.update', { type: 'organization', id: organizationId, label: null }, shown(before), shown(values), now)]);
  });
  mail.sender.start();
  mail.sender.kick();
  return getMailSettings(deps, mail, organizationId);
}

/** Sends one mail now, outside the outbox, and says exactly what went wrong. */
export async function sendTestMail(deps: ServiceDeps, mail: MailRuntime, organizationId: number, to: string): Promise<{ to: string; messageId: string }> {
  const config = await mail.config.configFor(organizationId);
  if (!config) throw new DomainError('MAIL_NOT_CONFIGURED', 'No SMTP server is set up: fill in the host, port and sender address and save first.');
  const org = await requireOrganization(deps.db, organizationId);
  const transporter = createSmtpTransport(config, { ...mail.transport, pool: false });
  try {
    const info = await transporter.sendMail({
      from: formatFrom(config),
      to,
      subject: `Roster test mail for ${org.name.replace(/[\r\n]+/g, ' ')}`,
      text: `This test mail shows that Roster can send mail for ${org.name} through ${config.host}:${config.port}.`,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    return { to, messageId: info.messageId };
  } catch (e) {
    throw new DomainError('MAIL_FAILED', classifySmtpError(e, config).reason);
  } finally {
    transporter.close();
  }
}

/** Puts a member's failed mail back in the queue. */
export async function retryDelivery(deps: ServiceDeps, mail: MailRuntime, actor: AdminActor, organizationId: number, memberId: number): Promise<{ status: OutboxStatus }> {
  const now = deps.clock.now().toISOString();
  await deps.db.transaction().execute(async (trx) => {
    // Only for members within the accounts the admin manages.
    await assertInScope(trx, actor, 'members.invite', await loadTargets(trx, organizationId, [memberId]));
    const row = await latestMailOf(trx, organizationId, memberId);
    if (!row) throw new DomainError('NOT_FOUND', 'No mail was ever queued for this member: use Resend to send one.');
    if (row.status !== 'failed') throw new DomainError('TRANSITION_NOT_ALLOWED', `The last mail to ${row.recipient} is ${row.status}, not failed: nothing to retry.`);
    if (row.text_body == null) throw new DomainError('TRANSITION_NOT_ALLOWED', 'This mail can no longer be sent again: use Resend to send a new link.');
    await requeueMail(trx, row.id, now);
    await insertAuditRows(trx, [auditRow(organizationId, actor, 'mail.retry', { type: 'member', id: memberId, label: row.recipient }, { status: 'failed', error: row.last_error }, { status: 'queued' }, now)]);
  });
  mail.sender.kick();
  return { status: 'queued' };
}

/**
 * A link for every pending invitation, for organizations without mail: a CSV and a printable
 * sheet with a QR code per person. Each export replaces the member's earlier invitation links
 * (see services/members/export-links.ts): one live link per member, however often it is exported.
 * Batches yield to the event loop, here for the QR codes as there for the links.
 */
export async function exportPendingLinks(deps: ServiceDeps, actor: AdminActor, organizationId: number): Promise<{ count: number; csv: string; html: string }> {
  const org = await requireOrganization(deps.db, organizationId);
  const pending = await pendingMembersByEmail(deps.db, organizationId);
  // One transaction and one audit row for the whole export; members outside the admin's reach are left out.
  const issued = new Map((await exportInviteLinks(deps, actor, organizationId, pending.map((m) => m.id))).map((l) => [l.memberId, l]));
  const links: { email: string; name: string | null; url: string; expires: string }[] = [];
  for (const m of pending) {
    const l = issued.get(m.id);
    if (l) links.push({ email: m.email, name: m.name, url: l.url, expires: formatExpiry(l.expiresAt, org.time_zone) });
  }
  const csv = csvFile(['email,name,link,expires', ...links.map((l) => [l.email, l.name ?? '', l.url, l.expires].map(csvCell).join(','))].join('\r\n') + '\r\n');
  const cards: string[] = [];
  for (const [i, l] of links.entries()) {
    if (i > 0 && i % EXPORT_BATCH === 0) await yieldToEventLoop();
    // Loaded on first use, off the start path.
    const QRCode = createRequire(__filename)('qrcode') as typeof QRCodeModule;
    const svg = await QRCode.toString(l.url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    const who = l.name ? `${escapeHtml(l.name)}<br><small>${escapeHtml(l.email)}</small>` : escapeHtml(l.email);
    cards.push(`<section class="card"><div class="qr">${svg}</div><div><h2>${who}</h2><p class="url">${escapeHtml(l.url)}</p><p>Valid until ${escapeHtml(l.expires)}</p></div></section>`);
  }
  const title = `Invitations to ${escapeHtml(org.name)}`;
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<style>
body{font-family:sans-serif;margin:1cm}
.card{display:flex;gap:1cm;align-items:center;border-bottom:1px dashed #999;padding:0.5cm 0;page-break-inside:avoid}
.qr svg{width:4cm;height:4cm}
.url{font-family:monospace;word-break:break-all;font-size:9pt}
h2{font-size:13pt;margin:0 0 0.2cm}
</style></head>
<body><h1>${title}</h1><p>Scan the code or type the address to accept the invitation. ${links.length} pending ${links.length === 1 ? 'invitation' : 'invitations'}.</p>
${cards.join('\n')}
</body></html>
`;
  return { count: links.length, csv, html };
}
