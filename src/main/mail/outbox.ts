import { randomUUID } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import type { Clock } from '../core/clock';
import type { Db, DbOrTx } from '../db/database';
import { rolesOfMembers } from '../db/repos/grants.repo';
import { chunks, rowsPerStatement } from '../db/repos/util';
import type { NewOutboxRow, OutboxRow, OutboxUpdate } from '../db/tables/mail_outbox.table';
import type { LinkIssued, Notifier } from '../services/deps';
import type { MailConfigResolver } from './config';
import { assertHeaderSafe, renderMail } from './templates';
import { classifySmtpError, createSmtpTransport, formatFrom, type SmtpConfig, type TransportOptions } from './transport';

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
    const orgs = new Map((await trx.selectFrom('organization').select(['id', 'name', 'time_zone']).where('id', 'in', orgIds).execute()).map((o) => [o.id, o]));
    const roleNames = new Map<number, string[]>();
    for (const r of await rolesOfMembers(trx, [...new Set(events.map((e) => e.memberId))])) {
      const list = roleNames.get(r.member_id) ?? [];
      if (!list.includes(r.name)) list.push(r.name);
      roleNames.set(r.member_id, list);
    }
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
        inviter: e.inviterLabel,
        roles: roleNames.get(e.memberId) ?? [],
        url: e.url,
        expiresAt: e.expiresAt,
      });
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
      };
    });
    for (const part of chunks(rows, rowsPerStatement(15))) await trx.insertInto('mail_outbox').values(part).execute();
    if (this.onQueued) setImmediate(this.onQueued);
  }
}

export interface SenderOptions {
  db: Db;
  clock: Clock;
  config: MailConfigResolver;
  batchSize?: number;
  leaseMs?: number;
  maxAttempts?: number;
  /** How often the loop looks for due rows when nothing kicks it (real time). */
  pollMs?: number;
  transport?: TransportOptions;
  onEvent?: (e: SenderEvent) => void;
}

export type SenderEvent =
  | { type: 'sent'; id: number; messageId: string }
  | { type: 'retry'; id: number; reason: string; nextAttemptAt: string }
  | { type: 'failed'; id: number; reason: string };

export interface DrainResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
}

/** Backoff after the n-th failed attempt: 30 s, 1 min, 2 min … at most 1 h. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/**
 * Drains the outbox through a nodemailer pool per organization. Claims due rows in batches
 * ('sending' with a lease), records each outcome as it comes; a row whose lease ran out (the
 * process died mid-send) is sent again with the same Message-ID.
 */
export class MailSender {
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly pollMs: number;
  private transports = new Map<number, { key: string; transporter: Transporter }>();
  private running = false;
  private crashed = false;
  private abandon: () => void = () => undefined;
  private abandoned: Promise<void>;
  private wake: (() => void) | null = null;
  private loopDone: Promise<void> | null = null;
  private writes: { id: number; set: OutboxUpdate; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;

  constructor(private readonly opts: SenderOptions) {
    this.batchSize = opts.batchSize ?? 50;
    this.leaseMs = opts.leaseMs ?? 5 * 60_000;
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.pollMs = opts.pollMs ?? 5_000;
    this.abandoned = new Promise((resolve) => (this.abandon = resolve));
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (this.running || this.crashed) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Something was queued: look now rather than at the next poll. */
  kick(): void {
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.drainAll();
      } catch {
        // A store or configuration problem: try again at the next poll.
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollMs);
        timer.unref?.();
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Drains until nothing is due. */
  async drainAll(): Promise<DrainResult> {
    const total: DrainResult = { claimed: 0, sent: 0, retried: 0, failed: 0 };
    for (;;) {
      const r = await this.drainOnce();
      total.claimed += r.claimed;
      total.sent += r.sent;
      total.retried += r.retried;
      total.failed += r.failed;
      if (r.claimed === 0 || this.crashed) return total;
    }
  }

  /** Claims one batch of due rows and sends it. */
  async drainOnce(): Promise<DrainResult> {
    const result: DrainResult = { claimed: 0, sent: 0, retried: 0, failed: 0 };
    if (this.crashed) return result;
    const rows = await this.claim();
    result.claimed = rows.length;
    // One configuration lookup per organization and batch, not per mail.
    const transports = new Map<number, Promise<{ transporter: Transporter; config: SmtpConfig } | null>>();
    for (const org of new Set(rows.map((r) => r.organization_id))) transports.set(org, this.transportFor(org));
    await Promise.all(
      rows.map(async (row) => {
        const outcome = await Promise.race([this.sendRow(row, transports.get(row.organization_id)!), this.abandoned.then(() => null)]);
        if (outcome === null || this.crashed) return;
        if (outcome === 'sent') result.sent++;
        else if (outcome === 'retry') result.retried++;
        else result.failed++;
      }),
    );
    return result;
  }

  private async claim(): Promise<OutboxRow[]> {
    const configured = await this.opts.config.configuredOrganizations();
    if (configured !== 'all' && configured.length === 0) return [];
    const now = this.opts.clock.now();
    const nowIso = now.toISOString();
    const lease = new Date(now.getTime() + this.leaseMs).toISOString();
    return this.opts.db.transaction().execute(async (trx) => {
      let q = trx
        .selectFrom('mail_outbox')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', nowIso)]),
            eb.and([eb('status', '=', 'sending'), eb('lease_until', '<=', nowIso)]),
          ]),
        );
      if (configured !== 'all') q = q.where('organization_id', 'in', configured);
      const rows = await q.orderBy('id').limit(this.batchSize).execute();
      if (rows.length === 0) return [];
      await trx
        .updateTable('mail_outbox')
        .set((eb) => ({ status: 'sending', lease_until: lease, attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', rows.map((r) => r.id))
        .execute();
      return rows.map((r) => ({ ...r, status: 'sending' as const, lease_until: lease, attempts: r.attempts + 1 }));
    });
  }

  private async transportFor(organizationId: number): Promise<{ transporter: Transporter; config: SmtpConfig } | null> {
    const config = await this.opts.config.configFor(organizationId);
    if (!config) return null;
    const key = JSON.stringify(config);
    const cached = this.transports.get(organizationId);
    if (cached && cached.key === key) return { transporter: cached.transporter, config };
    cached?.transporter.close();
    const transporter = createSmtpTransport(config, this.opts.transport);
    this.transports.set(organizationId, { key, transporter });
    return { transporter, config };
  }

  private async sendRow(row: OutboxRow, transport: Promise<{ transporter: Transporter; config: SmtpConfig } | null>): Promise<'sent' | 'retry' | 'failed'> {
    let config: SmtpConfig | undefined;
    try {
      const t = await transport;
      if (!t) throw Object.assign(new Error('No SMTP server is configured for this organization.'), { code: 'ENOCONFIG' });
      config = t.config;
      await t.transporter.sendMail({
        from: formatFrom(t.config),
        to: row.recipient_name ? { name: row.recipient_name, address: row.recipient } : row.recipient,
        subject: row.subject,
        text: row.text_body ?? '',
        html: row.html_body ?? undefined,
        messageId: row.message_id,
        // Never let nodemailer fetch files or URLs named in the content.
        disableFileAccess: true,
        disableUrlAccess: true,
      });
    } catch (e) {
      if (this.crashed) return 'retry';
      const failure = classifySmtpError(e, config);
      const now = this.opts.clock.now();
      if (failure.kind === 'permanent' || row.attempts >= this.maxAttempts) {
        const reason = failure.kind === 'permanent' ? failure.reason : `Gave up after ${row.attempts} attempts: ${failure.reason}`;
        await this.record(row.id, { status: 'failed', lease_until: null, last_error: reason });
        this.opts.onEvent?.({ type: 'failed', id: row.id, reason });
        return 'failed';
      }
      const next = new Date(now.getTime() + backoffMs(row.attempts)).toISOString();
      await this.record(row.id, { status: 'queued', lease_until: null, next_attempt_at: next, last_error: failure.reason });
      this.opts.onEvent?.({ type: 'retry', id: row.id, reason: failure.reason, nextAttemptAt: next });
      return 'retry';
    }
    if (this.crashed) return 'sent';
    // Sent: keep the envelope and the outcome, drop the bodies (they hold the link's token).
    await this.record(row.id, { status: 'sent', sent_at: this.opts.clock.now().toISOString(), lease_until: null, last_error: null, text_body: null, html_body: null });
    this.opts.onEvent?.({ type: 'sent', id: row.id, messageId: row.message_id });
    return 'sent';
  }

  /**
   * Records an outcome as soon as it is known. Outcomes that arrive while a commit is under way
   * share the next one (group commit): one fsync for many mails, none left unrecorded for long.
   */
  private record(id: number, set: OutboxUpdate): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.writes.push({ id, set, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.writes.length > 0) {
      const batch = this.writes.splice(0);
      try {
        await this.opts.db.transaction().execute(async (trx) => {
          for (const w of batch) await trx.updateTable('mail_outbox').set(w.set).where('id', '=', w.id).where('status', '=', 'sending').execute();
        });
        for (const w of batch) w.resolve();
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
    }
    this.flushing = false;
  }

  /** Stops the loop after the current batch and closes the connections. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    this.closeTransports();
  }

  /** Tests only: behave as if the process died now; nothing more is recorded. */
  crash(): void {
    this.crashed = true;
    this.running = false;
    this.abandon();
    this.wake?.();
    this.closeTransports();
  }

  private closeTransports(): void {
    for (const t of this.transports.values()) t.transporter.close();
    this.transports.clear();
  }
}
