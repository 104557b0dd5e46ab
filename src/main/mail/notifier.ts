import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock';
import type { DbOrTx } from '../db/database';
import { rolesOfMembers } from '../db/repos/grants.repo';
import { customMailTemplates } from '../db/repos/mail-templates.repo';
import { findMembers } from '../db/repos/members.repo';
import { listOrganizations } from '../db/repos/organizations.repo';
import { insertOutboxRows } from '../db/repos/outbox.repo';
import type { NewOutboxRow } from '../db/tables/mail_outbox.table';
import type { LinkIssued, Notifier } from '../services/deps';
import type { MailConfigResolver } from './config';
import { assertHeaderSafe, renderMail } from './templates';

/** Writes one outbox row per mail inside the transaction that issued the links. */
export class OutboxNotifier implements Notifier {
  /** Called after rows are written; the sender looks once the transaction has released the store. */
  onQueued: (() => void) | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly config: MailConfigResolver,
  ) {}

  async linksIssued(trx: DbOrTx, events: LinkIssued[]): Promise<void> {
    if (events.length === 0) return;
    const now = this.clock.now().toISOString();
    const orgIds = [...new Set(events.map((e) => e.organizationId))];
    const orgs = new Map((await listOrganizations(trx, orgIds)).map((o) => [o.id, o]));
    const roleNames = new Map<number, string[]>();
    for (const r of await rolesOfMembers(trx, [...new Set(events.map((e) => e.memberId))])) {
      const list = roleNames.get(r.member_id) ?? [];
      if (!list.includes(r.name)) list.push(r.name);
      roleNames.set(r.member_id, list);
    }
    const inviters = await inviterNames(trx, events);
    // The organizations' own wording (Mail page, migration 0014), by organization and kind.
    const stored = new Map((await customMailTemplates(trx, orgIds)).map((t) => [`${t.organization_id}:${t.kind}`, { subject: t.subject, body: t.body }]));
    const domains = new Map<number, string>();
    for (const id of orgIds) {
      const cfg = await this.config.configFor(id, trx).catch(() => null);
      domains.set(id, cfg?.fromAddress.split('@')[1] ?? 'roster.invalid');
    }
    const rows: NewOutboxRow[] = events.map((e) => {
      assertHeaderSafe(e.email, 'The email address');
      assertHeaderSafe(e.name, 'The name');
      const org = orgs.get(e.organizationId);
      if (!org) throw new Error(`organization ${e.organizationId} vanished inside its own transaction`);
      const mail = renderMail({
        kind: e.kind,
        organizationName: org.name,
        timeZone: org.time_zone,
        recipientName: e.name,
        recipientEmail: e.email,
        inviter: (e.inviterMemberId != null && inviters.get(e.inviterMemberId)) || e.inviterLabel,
        roles: roleNames.get(e.memberId) ?? [],
        url: e.url,
        expiresAt: e.expiresAt,
      }, stored.get(`${e.organizationId}:${e.kind}`));
      return {
        organization_id: e.organizationId,
        member_id: e.memberId,
        kind: e.kind,
        recipient: e.email,
        recipient_name: e.name,
        subject: mail.subject,
        text_body: mail.text,
        html_body: mail.html,
        message_id: `<${randomUUID()}@${domains.get(e.organizationId)}>`,
        status: 'queued',
        next_attempt_at: now,
        lease_until: null,
        last_error: null,
        created_at: now,
        sent_at: null,
        link_token_hash: e.tokenHash ?? null,
        member_status: e.tokenHash ? (e.memberStatus ?? null) : null,
      };
    });
    await insertOutboxRows(trx, rows);
    if (this.onQueued) setImmediate(this.onQueued);
  }
}

/** The names of the inviting admins that have one, by member id ("Olivia Martin" rather than olivia@acme.test). */
async function inviterNames(trx: DbOrTx, events: LinkIssued[]): Promise<Map<number, string>> {
  const byOrg = new Map<number, Set<number>>();
  for (const e of events) if (e.inviterMemberId != null) byOrg.set(e.organizationId, (byOrg.get(e.organizationId) ?? new Set()).add(e.inviterMemberId));
  const names = new Map<number, string>();
  for (const [orgId, ids] of byOrg)
    for (const m of await findMembers(trx, orgId, [...ids])) {
      const name = m.name?.replace(/[\r\n]+/g, ' ').trim();
      if (name) names.set(m.id, name);
    }
  return names;
}
