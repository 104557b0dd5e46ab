import { randomUUID } from 'node:crypto';
import { DomainError } from '../core/errors';
import { isUniqueViolation } from '../db/dialect';
import { insertAuditRows } from '../db/repos/audit.repo';
import { findMailTemplate, insertMailTemplate, mailTemplatesOf, updateMailTemplate } from '../db/repos/mail-templates.repo';
import { findMembers } from '../db/repos/members.repo';
import { insertOutboxRows } from '../db/repos/outbox.repo';
import { auditRow } from '../services/audit';
import type { Actor, ServiceDeps } from '../services/deps';
import { requireOrganization } from '../services/organizations';
import { staleSave } from '../services/stale';
import {
  checkTemplate,
  DEFAULT_TEMPLATES,
  PLACEHOLDERS_BY_KIND,
  renderTemplate,
  REQUIRED_PLACEHOLDERS,
  sampleValues,
  TEMPLATE_KIND_LABELS,
  TEMPLATE_KINDS,
  type MailTemplateText,
  type PlaceholderName,
  type TemplateKind,
} from '../../shared/mail-templates';
import type { MailRuntime } from './service';
import { assertHeaderSafe } from './templates';

/** One mail kind as the editor shows it; `version` 0 means never saved. */
export interface MailTemplateView {
  kind: TemplateKind;
  label: string;
  subject: string;
  body: string;
  custom: boolean;
  version: number;
  placeholders: PlaceholderName[];
  required: PlaceholderName[];
}

const TARGET = 'mail_template';

function refuseProblems(kind: TemplateKind, t: MailTemplateText): void {
  const problems = checkTemplate(kind, t);
  if (problems.length) throw new DomainError('VALIDATION', problems.map((p) => p.message).join(' '), { field: problems[0]!.field });
}

/** Every mail kind with its stored or built-in wording, and what the preview fills in. */
export async function listMailTemplates(deps: ServiceDeps, actor: Actor, organizationId: number): Promise<{ templates: MailTemplateView[]; sample: Record<PlaceholderName, string> }> {
  const org = await requireOrganization(deps.db, organizationId);
  const rows = new Map((await mailTemplatesOf(deps.db, organizationId)).map((r) => [r.kind, r]));
  const templates = TEMPLATE_KINDS.map((kind): MailTemplateView => {
    const r = rows.get(kind);
    const custom = !!r && r.custom === 1;
    const text = custom ? { subject: r.subject, body: r.body } : DEFAULT_TEMPLATES[kind];
    return { kind, label: TEMPLATE_KIND_LABELS[kind], ...text, custom, version: r?.version ?? 0, placeholders: [...PLACEHOLDERS_BY_KIND[kind]], required: [...REQUIRED_PLACEHOLDERS[kind]] };
  });
  return { templates, sample: sampleValues(org.name, await actorName(deps, organizationId, actor)) };
}

async function actorName(deps: ServiceDeps, organizationId: number, actor: Actor): Promise<string> {
  if (actor.memberId == null) return actor.label;
  const [m] = await findMembers(deps.db, organizationId, [actor.memberId]);
  return m?.name?.replace(/[\r\n]+/g, ' ').trim() || actor.label;
}

async function write(deps: ServiceDeps, actor: Actor, organizationId: number, kind: TemplateKind, version: number, text: MailTemplateText, custom: boolean): Promise<void> {
  const now = deps.clock.now().toISOString();
  await deps.db.transaction().execute(async (trx) => {
    const before = await findMailTemplate(trx, organizationId, kind);
    if (!before) {
      if (version !== 0) throw await staleSave(trx, TARGET, organizationId);
      if (!custom) return; // Already the default, never saved: nothing to do.
      try {
        await insertMailTemplate(trx, { organization_id: organizationId, kind, ...text, custom: 1, updated_at: now });
      } catch (e) {
        if (isUniqueViolation(e)) throw await staleSave(trx, TARGET, organizationId);
        throw e;
      }
    } else if (!(await updateMailTemplate(trx, organizationId, kind, version, { ...text, custom: custom ? 1 : 0, updated_at: now }))) {
      throw await staleSave(trx, TARGET, organizationId);
    }
    const shown = (r: { subject: string; body: string; custom: boolean } | null) => (r ? (r.custom ? { subject: r.subject, body: r.body } : { wording: 'default' }) : { wording: 'default' });
    await insertAuditRows(trx, [
      auditRow(
        organizationId,
        actor,
        custom ? 'mail.template.update' : 'mail.template.reset',
        { type: TARGET, id: organizationId, label: TEMPLATE_KIND_LABELS[kind] },
        shown(before ? { subject: before.subject, body: before.body, custom: before.custom === 1 } : null),
        shown({ ...text, custom }),
        now,
      ),
    ]);
  });
}

/** Saves an organization's wording for one mail kind, checked first; refused when based on an older copy. */
export async function saveMailTemplate(deps: ServiceDeps, actor: Actor, organizationId: number, input: { kind: TemplateKind; version: number } & MailTemplateText): Promise<MailTemplateView> {
  const text = { subject: input.subject.trim(), body: input.body.replace(/\r\n?/g, '\n') };
  refuseProblems(input.kind, text);
  await write(deps, actor, organizationId, input.kind, input.version, text, true);
  return (await listMailTemplates(deps, actor, organizationId)).templates.find((t) => t.kind === input.kind)!;
}

/** Puts the built-in wording back (the row stays, so that its version keeps counting up). */
export async function resetMailTemplate(deps: ServiceDeps, actor: Actor, organizationId: number, input: { kind: TemplateKind; version: number }): Promise<MailTemplateView> {
  await write(deps, actor, organizationId, input.kind, input.version, DEFAULT_TEMPLATES[input.kind], false);
  return (await listMailTemplates(deps, actor, organizationId)).templates.find((t) => t.kind === input.kind)!;
}

/**
 * Sends the wording being edited (saved or not) to the admin, with the preview's sample values,
 * through the outbox and the organization's SMTP server, as real mail goes.
 */
export async function sendMailTemplateTest(
  deps: ServiceDeps,
  mail: MailRuntime,
  actor: Actor,
  organizationId: number,
  to: string,
  input: { kind: TemplateKind } & MailTemplateText,
): Promise<{ to: string }> {
  const text = { subject: input.subject.trim(), body: input.body.replace(/\r\n?/g, '\n') };
  refuseProblems(input.kind, text);
  const config = await mail.config.configFor(organizationId);
  if (!config) throw new DomainError('MAIL_NOT_CONFIGURED', 'No SMTP server is set up: fill in the SMTP server above and save first.');
  assertHeaderSafe(to, 'The email address');
  const { sample } = await listMailTemplates(deps, actor, organizationId);
  const rendered = renderTemplate(text, sample);
  const now = deps.clock.now().toISOString();
  await insertOutboxRows(deps.db, [
    {
      organization_id: organizationId,
      member_id: null,
      kind: 'template_test',
      recipient: to,
      recipient_name: null,
      subject: `[Test] ${rendered.subject}`,
      text_body: rendered.text,
      html_body: rendered.html,
      message_id: `<${randomUUID()}@${config.fromAddress.split('@')[1] ?? 'roster.invalid'}>`,
      status: 'queued',
      next_attempt_at: now,
      lease_until: null,
      last_error: null,
      created_at: now,
      sent_at: null,
      link_token_hash: null,
      member_status: null,
    },
  ]);
  mail.sender.start();
  mail.sender.kick();
  return { to };
}
