import { DomainError } from '../core/errors';
import type { LinkKind } from '../services/deps';
import { escapeHtml, renderTemplate, type MailTemplateText, type TemplateValues } from '../../shared/mail-templates';

export { escapeHtml };

/** What a mail says; everything the templates show comes from here, escaped where it lands in HTML. */
export interface TemplateInput {
  kind: LinkKind;
  organizationName: string;
  timeZone: string;
  recipientName: string | null;
  /** Stands in for the name in a stored template's {{inviteeName}} when no name is known. */
  recipientEmail?: string;
  inviter: string;
  roles: string[];
  url: string;
  expiresAt: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A header value (name, address, subject) with CR or LF could smuggle headers: refused before nodemailer sees it. */
export function assertHeaderSafe(value: string | null | undefined, what: string): void {
  if (value != null && /[\r\n]/.test(value)) throw new DomainError('VALIDATION', `${what} contains a line break; remove it and try again.`, { field: what });
}

/**
 * A moment as people write it, in the organization's time zone, e.g. "Thursday 10 December 2026, 18:57 (Europe/Paris)".
 * Built from Intl.DateTimeFormat parts so that the wording does not depend on the ICU version's connectors (", at ").
 * An unknown zone falls back to UTC, named as such.
 */
export function formatExpiry(iso: string, timeZone: string): string {
  const date = new Date(iso);
  let zone = timeZone;
  let parts: Intl.DateTimeFormatPart[];
  const options = (z: string): Intl.DateTimeFormatOptions => ({
    timeZone: z, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  try {
    parts = new Intl.DateTimeFormat('en-GB', options(zone)).formatToParts(date);
  } catch {
    zone = 'UTC';
    parts = new Intl.DateTimeFormat('en-GB', options(zone)).formatToParts(date);
  }
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')} ${part('month')} ${part('year')}, ${part('hour')}:${part('minute')} (${zone})`;
}

interface Wording {
  subject: (org: string) => string;
  intro: (v: { org: string; inviter: string; roles: string }) => string;
  action: string;
}

const WORDING: Record<LinkKind, Wording> = {
  invitation: {
    subject: (org) => `You are invited to join ${org}`,
    intro: ({ org, inviter, roles }) => `${inviter} invites you to join ${org}${roles ? ` as ${roles}` : ''}.`,
    action: 'Accept the invitation',
  },
  resend: {
    subject: (org) => `Reminder: your invitation to join ${org}`,
    intro: ({ org, inviter, roles }) => `${inviter} sent you a new invitation to join ${org}${roles ? ` as ${roles}` : ''}. Earlier invitation links no longer work.`,
    action: 'Accept the invitation',
  },
  reactivation: {
    subject: (org) => `Your access to ${org} can be restored`,
    intro: ({ org, inviter, roles }) => `${inviter} offers to restore your access to ${org}${roles ? ` as ${roles}` : ''}.`,
    action: 'Restore my access',
  },
  password_reset: {
    subject: (org) => `Choose a new password for ${org}`,
    intro: ({ org, inviter }) => `${inviter} asked Roster to let you choose a new password for ${org}.`,
    action: 'Choose a new password',
  },
};

/** The values a stored template's placeholders stand for. */
export function templateValues(input: TemplateInput): TemplateValues {
  return {
    inviteeName: input.recipientName || input.recipientEmail || '',
    inviterName: input.inviter,
    organization: input.organizationName,
    roles: input.roles.length ? input.roles.join(', ') : 'Member',
    link: input.url,
    expires: formatExpiry(input.expiresAt, input.timeZone),
  };
}

/**
 * The mail for `input`: from the organization's stored template for this kind when there is one
 * (mail_template, migration 0014; checked when saved), else the built-in wording below.
 */
export function renderMail(input: TemplateInput, stored?: MailTemplateText | null): RenderedMail {
  if (stored) return renderTemplate(stored, templateValues(input));
  const w = WORDING[input.kind];
  const roles = input.roles.join(', ');
  const expiry = formatExpiry(input.expiresAt, input.timeZone);
  const greeting = input.recipientName ? `Hello ${input.recipientName},` : 'Hello,';
  const subject = w.subject(input.organizationName).replace(/[\r\n]+/g, ' ');
  const intro = w.intro({ org: input.organizationName, inviter: input.inviter, roles });
  const text = [greeting, '', intro, '', `${w.action}: ${input.url}`, '', `This link works until ${expiry}.`, 'If you did not expect this mail, you can ignore it.', ''].join('\n');
  const e = escapeHtml;
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${e(subject)}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #222">
<p>${e(greeting)}</p>
<p>${e(intro)}</p>
<p><a href="${e(input.url)}" style="display:inline-block;padding:8px 16px;background:#1c7ed6;color:#fff;text-decoration:none;border-radius:4px">${e(w.action)}</a></p>
<p>Or open this address: <a href="${e(input.url)}">${e(input.url)}</a></p>
<p>This link works until ${e(expiry)}.</p>
<p style="color:#666">If you did not expect this mail, you can ignore it.</p>
</body></html>
`;
  return { subject, text, html };
}
