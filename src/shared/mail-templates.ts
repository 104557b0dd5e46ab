/**
 * Mail templates an admin can edit (issue 15, "Mail"): the placeholders each mail may use, the
 * checks run before saving (here, so that the editor refuses as the server does), and the
 * rendering. Shared by the main process (mails, checks on save) and the renderer (live preview).
 *
 * A template is plain text. In HTML its text is escaped like the values: nothing an admin types
 * becomes markup. Paragraphs are separated by a blank line; {{link}} becomes a link in HTML.
 */

export const TEMPLATE_KINDS = ['invitation', 'resend', 'reactivation', 'password_reset'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

export const TEMPLATE_KIND_LABELS: Record<TemplateKind, string> = {
  invitation: 'Invitation',
  resend: 'Invitation resent',
  reactivation: 'Reactivation',
  password_reset: 'Password reset',
};

export const PLACEHOLDER_NAMES = ['inviteeName', 'inviterName', 'organization', 'roles', 'link', 'expires'] as const;
export type PlaceholderName = (typeof PLACEHOLDER_NAMES)[number];
export type TemplateValues = Record<PlaceholderName, string>;

export const PLACEHOLDER_LABELS: Record<PlaceholderName, string> = {
  inviteeName: 'Name of the person the mail is for (their address when no name is known)',
  inviterName: 'Name of the admin who sent it',
  organization: 'Name of the organization',
  roles: 'Roles they are given',
  link: 'The link to open (required)',
  expires: 'When the link stops working, in the organization’s time zone',
};

/** Placeholders each mail may use; a password reset gives no roles. */
export const PLACEHOLDERS_BY_KIND: Record<TemplateKind, readonly PlaceholderName[]> = {
  invitation: PLACEHOLDER_NAMES,
  resend: PLACEHOLDER_NAMES,
  reactivation: PLACEHOLDER_NAMES,
  password_reset: ['inviteeName', 'inviterName', 'organization', 'link', 'expires'],
};

/** Every mail carries a link: without it the mail is useless. */
export const REQUIRED_PLACEHOLDERS: Record<TemplateKind, readonly PlaceholderName[]> = {
  invitation: ['link'],
  resend: ['link'],
  reactivation: ['link'],
  password_reset: ['link'],
};

export const SUBJECT_MAX = 200;
export const BODY_MAX = 10_000;

export interface MailTemplateText {
  subject: string;
  body: string;
}

const closing = 'This link works until {{expires}}.\nIf you did not expect this mail, you can ignore it.';

/** The wording of the built-in mails, as templates (what "Reset to default" puts back). */
export const DEFAULT_TEMPLATES: Record<TemplateKind, MailTemplateText> = {
  invitation: {
    subject: 'You are invited to join {{organization}}',
    body: `Hello {{inviteeName}},\n\n{{inviterName}} invites you to join {{organization}} as {{roles}}.\n\nAccept the invitation: {{link}}\n\n${closing}`,
  },
  resend: {
    subject: 'Reminder: your invitation to join {{organization}}',
    body: `Hello {{inviteeName}},\n\n{{inviterName}} sent you a new invitation to join {{organization}} as {{roles}}. Earlier invitation links no longer work.\n\nAccept the invitation: {{link}}\n\n${closing}`,
  },
  reactivation: {
    subject: 'Your access to {{organization}} can be restored',
    body: `Hello {{inviteeName}},\n\n{{inviterName}} offers to restore your access to {{organization}} as {{roles}}.\n\nRestore my access: {{link}}\n\n${closing}`,
  },
  password_reset: {
    subject: 'Choose a new password for {{organization}}',
    body: `Hello {{inviteeName}},\n\n{{inviterName}} asked Roster to let you choose a new password for {{organization}}.\n\nChoose a new password: {{link}}\n\n${closing}`,
  },
};

/** Values for the preview and the test mail. */
export function sampleValues(organization: string, inviterName: string): TemplateValues {
  return {
    inviteeName: 'Ada Lovelace',
    inviterName,
    organization,
    roles: 'Member',
    link: 'https://roster.example/invite/sample-link',
    expires: 'Thursday 10 December 2026, 18:57 (Europe/Paris)',
  };
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Piece = { text: string } | { name: string };

const TOKEN = /\{\{\s*([^{}]*?)\s*\}\}/g;

function pieces(template: string): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  for (const m of template.matchAll(TOKEN)) {
    if (m.index > at) out.push({ text: template.slice(at, m.index) });
    out.push({ name: m[1]! });
    at = m.index + m[0].length;
  }
  if (at < template.length) out.push({ text: template.slice(at) });
  return out;
}

export type TemplateField = 'subject' | 'body';
export interface TemplateProblem {
  field: TemplateField;
  message: string;
}

/** What keeps a template from being saved, in words an admin can act on; empty when it can be saved. */
export function checkTemplate(kind: TemplateKind, t: MailTemplateText): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const allowed = PLACEHOLDERS_BY_KIND[kind];
  const list = allowed.map((p) => `{{${p}}}`).join(', ');
  const check = (field: TemplateField, value: string, max: number, what: string) => {
    if (!value.trim()) problems.push({ field, message: `The ${what} is empty: write one, or reset to the default.` });
    if (value.length > max) problems.push({ field, message: `The ${what} is too long: at most ${max} characters.` });
    const unknown = new Set<string>();
    for (const p of pieces(value)) if ('name' in p && !(allowed as readonly string[]).includes(p.name)) unknown.add(p.name);
    for (const name of unknown) problems.push({ field, message: `Unknown placeholder {{${name}}} in the ${what}: this mail can use ${list}.` });
    const rest = value.replace(TOKEN, '');
    if (rest.includes('{{') || rest.includes('}}')) problems.push({ field, message: `The ${what} has a “{{” or “}}” that is not part of a placeholder: write placeholders as {{name}}.` });
  };
  check('subject', t.subject, SUBJECT_MAX, 'subject');
  if (/[\r\n]/.test(t.subject)) problems.push({ field: 'subject', message: 'The subject cannot contain line breaks.' });
  check('body', t.body, BODY_MAX, 'body');
  const used = new Set(pieces(t.body).flatMap((p) => ('name' in p ? [p.name] : [])));
  for (const req of REQUIRED_PLACEHOLDERS[kind])
    if (!used.has(req)) problems.push({ field: 'body', message: `The body must contain {{${req}}}: without it the person cannot ${kind === 'password_reset' ? 'choose a new password' : 'accept'}.` });
  return problems;
}

export interface RenderedTemplate {
  subject: string;
  text: string;
  html: string;
}

const value = (values: TemplateValues, name: string): string => (Object.hasOwn(values, name) ? values[name as PlaceholderName] : '');

/** One run of a paragraph: plain text (line breaks kept), or the link. */
export type Run = { text: string } | { link: string };

/**
 * The body as paragraphs of runs, values filled in. The HTML part is built from it (escaped) and
 * the editor's preview shows the same structure as React elements: no markup from a template or a
 * value is ever interpreted.
 */
export function templateParagraphs(body: string, values: TemplateValues): Run[][] {
  return body
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .filter((para) => para.trim())
    .map((para) => pieces(para.trim()).map((p): Run => ('text' in p ? p : p.name === 'link' ? { link: value(values, p.name) } : { text: value(values, p.name) })));
}

/** Renders a checked template. Values and template text are both escaped in HTML. */
export function renderTemplate(t: MailTemplateText, values: TemplateValues): RenderedTemplate {
  const subject = pieces(t.subject)
    .map((p) => ('text' in p ? p.text : value(values, p.name)))
    .join('')
    .replace(/[\r\n]+/g, ' ')
    .trim();
  const body = t.body.replace(/\r\n?/g, '\n');
  const text = pieces(body).map((p) => ('text' in p ? p.text : value(values, p.name))).join('').trimEnd() + '\n';
  const paragraphs = templateParagraphs(body, values).map(
    (runs) => `<p>${runs.map((r) => ('link' in r ? `<a href="${escapeHtml(r.link)}">${escapeHtml(r.link)}</a>` : escapeHtml(r.text).replace(/\n/g, '<br>\n'))).join('')}</p>`,
  );
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #222">
${paragraphs.join('\n')}
</body></html>
`;
  return { subject, text, html };
}
