import { randomUUID } from 'node:crypto';
import { membersOfPerson } from '../db/repos/members.repo';
import { listOrganizations } from '../db/repos/organizations.repo';
import { insertOutboxRows } from '../db/repos/outbox.repo';
import { findPersonByEmail } from '../db/repos/people.repo';
import { escapeHtml } from '../mail/templates';
import { isOwner } from './actor';
import type { ServiceDeps } from './deps';
import { loadAuthz } from './organizations';

export const NOTICE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Tells an Owner by mail that someone keeps guessing their password (a `security_notice` outbox
 * row, without any link: a mail that asks nothing cannot be used for phishing). At most one mail
 * per person per hour, whatever the number of attempts.
 */
export class AttackNotices {
  private readonly lastSent = new Map<string, number>();
  private pending: Promise<void> = Promise.resolve();
  /** Called once a notice is written (wakes the mail sender). */
  onQueued: (() => void) | null = null;

  constructor(private readonly deps: ServiceDeps) {}

  /** Queues the notice when `email` belongs to an Owner and none was queued in the last hour. */
  notify(email: string): void {
    const now = this.deps.clock.now().getTime();
    const last = this.lastSent.get(email);
    if (last !== undefined && now - last < NOTICE_INTERVAL_MS) return;
    this.lastSent.set(email, now);
    if (this.lastSent.size > 10_000) for (const [k, t] of this.lastSent) if (now - t >= NOTICE_INTERVAL_MS) this.lastSent.delete(k);
    this.pending = this.pending
      .then(() => this.queue(email, now))
      .then(() => this.onQueued?.())
      .catch((e: unknown) => console.error('[roster] security notice not queued:', e instanceof Error ? e.message : 'unknown error'));
  }

  /** Resolves once every notice asked for so far is written (tests, shutdown). */
  settled(): Promise<void> {
    return this.pending;
  }

  private async queue(email: string, nowMs: number): Promise<void> {
    const db = this.deps.db;
    const person = await findPersonByEmail(db, email);
    if (!person) return;
    const owned: number[] = [];
    for (const m of await membersOfPerson(db, person.id))
      if (m.status === 'accepted' && isOwner(await loadAuthz(db, m.organization_id, m.id))) owned.push(m.organization_id);
    if (owned.length === 0) return;
    const orgs = await listOrganizations(db, owned);
    const names = orgs.map((o) => o.name).join(', ');
    const when = new Date(nowMs).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
    const text = [
      `Someone has been trying wrong passwords for your Roster account (${person.email}), Owner of ${names}, around ${when}.`,
      '',
      'Roster slows these attempts down; your password still works. If it was not you, nothing is needed,',
      'but if your password is weak or used elsewhere, change it in Roster.',
      '',
      'This message contains no link on purpose: never follow a link in a mail that claims to be about your password.',
    ].join('\n');
    const html = `<p>Someone has been trying wrong passwords for your Roster account (${escapeHtml(person.email)}), Owner of ${escapeHtml(names)}, around ${escapeHtml(when)}.</p>
<p>Roster slows these attempts down; your password still works. If it was not you, nothing is needed, but if your password is weak or used elsewhere, change it in Roster.</p>
<p>This message contains no link on purpose: never follow a link in a mail that claims to be about your password.</p>`;
    const nowIso = new Date(nowMs).toISOString();
    await insertOutboxRows(db, [
      {
        organization_id: orgs[0]!.id,
        member_id: null,
        kind: 'security_notice',
        recipient: person.email,
        recipient_name: null,
        subject: 'Roster: repeated wrong passwords for your account',
        text_body: text,
        html_body: html,
        message_id: `<${randomUUID()}@roster.invalid>`,
        status: 'queued',
        next_attempt_at: nowIso,
        lease_until: null,
        last_error: null,
        created_at: nowIso,
        sent_at: null,
      },
    ]);
  }
}
