/*
 * The outbox sender: claims due mail, keeps a bounded number in flight, retries with backoff and
 * records outcomes as they come (or, with flushMs, in batches committed with the next claim). About
 * 400 lines because it is one state machine (in-flight bound, drain, flush, stop, crash) whose parts
 * share private state; its options are in sender-options.ts, the bound on mails handed over
 * unrecorded in hand-over.ts, the queries in db/repos/outbox.repo.ts, the SMTP pools in pools.ts, the
 * message building in compose.ts, what one send's outcome writes in outcomes.ts, the journal of mails
 * accepted but not yet recorded in sent-journal.ts, and the commits on their way in commits-in-flight.ts.
 */
import { claimDueMail, recordOutcomes, type Claimed } from '../db/repos/outbox.repo';
import type { OutboxRow, OutboxUpdate } from '../db/tables/mail_outbox.table';
import { CommitsInFlight } from './commits-in-flight';
import { emptyResult, failedSend, messageOf, sentMail, tally, type DrainResult, type Outcome } from './outcomes';
import { recordLeftBehind } from './sent-journal';
import { HandOverBound } from './hand-over';
import type { SenderOptions } from './sender-options';
import { SmtpPools, sendRaw, type PoolEntry } from './pools';
import { classifySmtpError, type SmtpConfig } from './transport';

export { backoffMs, type DrainResult, type SenderEvent } from './outcomes';
export type { SenderOptions } from './sender-options';

interface PendingWrite {
  id: number;
  /** The mail's Message-ID: an outcome lands only on the mail it was sent for (ids come back after a restore). */
  messageId: string;
  set: OutboxUpdate;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Drains the outbox through a nodemailer pool per organization. Claims due rows in batches
 * ('sending' with a lease) and keeps a bounded number of them in flight, claiming the next batch
 * while the previous one is still sending; records each outcome as it comes (group commit). A row
 * whose lease ran out (the process died mid-send) is sent again with the same Message-ID.
 */
export class MailSender {
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly pollMs: number;
  private readonly pools: SmtpPools;
  private running = false;
  private stopping = false;
  private crashed = false;
  /** Settles a dispatched row's promise with null at a crash (one entry per row in flight, removed when it settles). */
  private readonly abandoners = new Set<() => void>();
  private wake: (() => void) | null = null;
  private kicked = false;
  private loopDone: Promise<void> | null = null;
  private readonly recordBatch: number;
  private readonly flushMs: number;
  /** Mails handed to the SMTP transport whose outcome is not committed yet (or whose send has not finished). */
  private readonly handOver: HandOverBound;
  private writes: PendingWrite[] = [];
  private flushScheduled = false;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private flushing = false;
  /** Claimed rows dispatched whose outcome is not yet committed (or abandoned). */
  private unsettled = 0;
  /** Claimed rows dispatched whose send has not finished (their outcome is not yet known). */
  private sending = 0;
  /** Called whenever a send finishes (drainAll looks whether a batch fits again). */
  private onSendDone: (() => void) | null = null;
  /**
   * drainAll waits for room for its next claim, which commits every outcome waiting by then: a
   * full batch of outcomes is not committed on its own meanwhile (one commit, one fsync, for both).
   */
  private claimPending = false;
  private readonly commits = new CommitsInFlight();

  constructor(private readonly opts: SenderOptions) {
    this.batchSize = Math.max(1, opts.batchSize ?? 200);
    this.maxInFlight = Math.max(this.batchSize, opts.maxInFlight ?? 2 * this.batchSize);
    this.leaseMs = opts.leaseMs ?? 5 * 60_000;
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.pollMs = opts.pollMs ?? 5_000;
    this.recordBatch = Math.max(1, opts.recordBatch ?? this.batchSize);
    this.flushMs = Math.max(0, opts.flushMs ?? 0);
    this.handOver = new HandOverBound(Math.max(1, opts.maxUnrecorded ?? 32), () => this.scheduleFlush());
    this.pools = new SmtpPools(opts.transport);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (this.running || this.crashed) return;
    this.running = true;
    this.stopping = false;
    this.loopDone = this.loop();
  }

  /** Something was queued: look now rather than at the next poll. */
  kick(): void {
    // A kick during a drain is kept: the drain may have looked before the new row was committed.
    if (this.wake) this.wake();
    else this.kicked = true;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.kicked = false;
      try {
        await this.drainAll();
      } catch {
        // A store or configuration problem: try again at the next poll.
      }
      if (!this.running) break;
      if (this.kicked) continue;
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

  /**
   * Drains until nothing is due. Keeps up to maxInFlight claimed rows sending: a new batch is
   * claimed whenever a whole batch fits (counting rows whose send finished as gone, their outcomes
   * are committed with that claim), and once nothing more is due, looks once more after the last
   * mail in flight has settled.
   */
  async drainAll(): Promise<DrainResult> {
    const total = emptyResult();
    let inFlight = 0;
    let failure: { error: unknown } | null = null;
    let onSettled: (() => void) | null = null;
    const until = (done: () => boolean): Promise<void> =>
      done()
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            onSettled = () => {
              if (!done()) return;
              onSettled = null;
              resolve();
            };
          });
    this.onSendDone = () => onSettled?.();
    try {
      while (!this.crashed && !this.stopping && failure === null) {
        const { rows, dropped } = await this.claim(Math.min(this.batchSize, this.maxInFlight - this.sending));
        total.dropped += dropped.length;
        if (rows.length === 0) {
          // A batch that was all dead links: there may be more due behind it.
          if (dropped.length > 0) continue;
          if (inFlight === 0) break;
          // Nothing due now: look again once everything in flight has settled.
          await until(() => inFlight === 0);
          continue;
        }
        total.claimed += rows.length;
        inFlight += rows.length;
        for (const send of this.dispatch(rows)) {
          send.then(
            (outcome) => tally(total, outcome),
            (error: unknown) => (failure ??= { error }),
          ).finally(() => {
            inFlight--;
            onSettled?.();
          });
        }
        this.claimPending = true;
        try {
          await until(() => this.maxInFlight - this.sending >= this.batchSize || failure !== null || this.crashed);
        } finally {
          this.claimPending = false;
        }
      }
    } finally {
      await until(() => inFlight === 0);
      this.onSendDone = null;
    }
    if (failure !== null) throw (failure as { error: unknown }).error;
    return total;
  }

  /** Claims one batch of due rows and sends it. */
  async drainOnce(): Promise<DrainResult> {
    const result = emptyResult();
    if (this.crashed) return result;
    const { rows, dropped } = await this.claim(this.batchSize);
    result.claimed = rows.length;
    result.dropped = dropped.length;
    for (const outcome of await Promise.all(this.dispatch(rows))) tally(result, outcome);
    return result;
  }

  /** Starts sending claimed rows; each promise settles with the recorded outcome (null once crashed). */
  private dispatch(rows: OutboxRow[]): Promise<Outcome | null>[] {
    // One configuration lookup per organization and batch, not per mail.
    const perOrg = new Map<number, number>();
    for (const r of rows) perOrg.set(r.organization_id, (perOrg.get(r.organization_id) ?? 0) + 1);
    const pools = new Map<number, Promise<PoolEntry | null>>();
    for (const [org, uses] of perOrg) pools.set(org, this.transportFor(org, uses));
    this.unsettled += rows.length;
    this.sending += rows.length;
    // A row's promise settles with its outcome, or with null at once when the process "dies" (crash):
    // a callback per row in a set rather than a race against one never-settling promise, whose
    // reactions would pile up for every mail the process ever sends.
    return rows.map(
      (row) =>
        new Promise<Outcome | null>((resolve, reject) => {
          let settled = false;
          const settle = (finish: () => void) => {
            if (settled) return;
            settled = true;
            this.abandoners.delete(abandon);
            this.unsettled--;
            // The outcomes still waiting may now be all there is in flight: commit them without waiting
            // for flushMs (a flush that ended just before this decrement saw them as a partial batch).
            this.scheduleFlush();
            finish();
          };
          const abandon = () => settle(() => resolve(null));
          this.abandoners.add(abandon);
          this.sendRow(row, pools.get(row.organization_id)!).then(
            (outcome) => settle(() => resolve(this.crashed ? null : outcome)),
            (error: unknown) => settle(() => reject(error)),
          );
        }),
    );
  }

  private async claim(limit: number): Promise<Claimed> {
    // The mails a dead process (or a failed commit) left in the sent journal: recorded, before their lease sends them again.
    if (this.opts.journal?.needsReplay) await recordLeftBehind(this.opts.db, this.opts.journal, this.opts.onEvent);
    if (limit <= 0) return { rows: [], dropped: [] };
    const configured = await this.opts.config.configuredOrganizations();
    if (configured !== 'all' && configured.length === 0) return { rows: [], dropped: [] };
    const now = this.opts.clock.now();
    const nowIso = now.toISOString();
    const lease = new Date(now.getTime() + this.leaseMs).toISOString();
    // The outcomes waiting are committed with this claim rather than in a commit of their own (about a
    // batch: drainAll claims whenever a batch's worth of sends has finished, and a full batch waits for it).
    const settle = this.crashed ? [] : this.writes.splice(0, 2 * this.recordBatch);
    let claimed: Claimed;
    try {
      claimed = await this.commits.track(claimDueMail(this.opts.db, { nowIso, leaseUntil: lease, limit, organizationIds: configured, settle }));
    } catch (e) {
      for (const w of settle) w.reject(e);
      throw e;
    }
    for (const w of settle) w.resolve();
    // The flushMs wait starts again with the next outcome, not with one this claim committed.
    if (this.writes.length === 0 && this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    for (const d of claimed.dropped) this.opts.onEvent?.({ type: 'dropped', id: d.id, reason: d.reason });
    return claimed;
  }

  /** The organization's pool, reserved for `uses` mails (each released by sendRow). */
  private async transportFor(organizationId: number, uses: number): Promise<PoolEntry | null> {
    const config = await this.opts.config.configFor(organizationId);
    if (!config || this.crashed) return null;
    return this.pools.reserve(organizationId, config, uses);
  }

  private async sendRow(row: OutboxRow, pool: Promise<PoolEntry | null>): Promise<Outcome> {
    let config: SmtpConfig | undefined;
    let handed = false;
    try {
      const t = await pool;
      if (!t) throw Object.assign(new Error('No SMTP server is configured for this organization.'), { code: 'ENOCONFIG' });
      config = t.config;
      try {
        await this.handOver.take(() => this.crashed);
        handed = true;
        const { envelope, raw } = messageOf(row, t.config, this.opts.clock.now());
        // Straight to the SMTP transport: the message is complete, nothing in it is fetched or rebuilt.
        await sendRaw(t.transporter, envelope, raw, row.message_id);
      } finally {
        this.pools.release(t);
      }
    } catch (e) {
      if (this.crashed) return 'retry';
      const settled = failedSend(row, classifySmtpError(e, config), this.opts.clock.now(), this.maxAttempts);
      await this.record(row.id, row.message_id, settled.set, handed);
      this.opts.onEvent?.(settled.event);
      return settled.outcome;
    }
    if (this.crashed) return 'sent';
    const now = this.opts.clock.now();
    const settled = sentMail(row, now);
    // Before anything else: a kill from here on does not send this mail again (sent-journal.ts).
    const journaled = this.opts.journal?.accepted({ id: row.id, messageId: row.message_id, sentAt: now.toISOString() }) ?? false;
    await this.record(row.id, row.message_id, settled.set, handed, journaled);
    this.opts.onEvent?.(settled.event);
    return 'sent';
  }

  /**
   * Records an outcome: committed in this turn of the event loop's commit (flushMs 0), or in the next
   * batch (up to recordBatch mails, committed when full, when every mail in flight is waiting for it,
   * or after flushMs). Settled only once committed: a crash before that sends it again after its
   * lease, with the same Message-ID (at-least-once), unless the sent journal noted it.
   */
  private record(id: number, messageId: string, set: OutboxUpdate, handed: boolean, journaled = false): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (committed: boolean) => {
        if (handed) this.handOver.give();
        if (journaled && committed) this.opts.journal?.committed({ id, messageId });
        else if (journaled) this.opts.journal?.commitFailed();
      };
      this.writes.push({ id, messageId, set, resolve: () => (done(true), resolve()), reject: (e) => (done(false), reject(e)) });
      this.sending--;
      this.onSendDone?.();
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.writes.length === 0) return;
    // Batched (flushMs), one commit at a time; as they come, a commit even while an earlier one waits for
    // its fsync (SQLite) or its round trips (PostgreSQL).
    if (this.flushMs > 0 && this.flushing) return;
    const now =
      this.flushMs === 0 ||
      // A send waits for these outcomes to be committed.
      this.handOver.waiting ||
      // A full batch waits for drainAll's next claim when one is coming (as soon as a batch fits again).
      (this.writes.length >= this.recordBatch && !this.claimPending) ||
      this.writes.length >= this.unsettled;
    if (now) this.flushSoon();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flushSoon(), this.flushMs);
      this.flushTimer.unref?.();
    }
  }

  /** A commit at the end of this turn of the event loop: outcomes that arrive meanwhile share it. */
  private flushSoon(): void {
    this.flushScheduled = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    // A crashed process records nothing more. Batched (flushMs), one commit at a time.
    if ((this.flushing && this.flushMs > 0) || this.crashed || this.writes.length === 0) return;
    this.flushing = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batch = this.writes.splice(0, this.recordBatch);
    try {
      await this.commits.track(recordOutcomes(this.opts.db, batch));
      for (const w of batch) w.resolve();
    } catch (e) {
      for (const w of batch) w.reject(e);
    } finally {
      this.flushing = false;
    }
    // Outcomes that arrived during the commit share the next one.
    if (this.writes.length > 0) this.scheduleFlush();
  }

  /** Stops the loop after the mails in flight have settled and closes the connections. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.wake?.();
    await this.loopDone;
    this.stopping = false;
    this.pools.closeAll();
    this.opts.journal?.close();
  }

  /** Tests only, after crash(): the commits already on their way have landed or failed (commits-in-flight.ts). */
  commitsSettled(): Promise<void> {
    return this.commits.settled();
  }

  /** Tests only: behave as if the process died now; nothing more is recorded. */
  crash(): void {
    this.crashed = true;
    this.running = false;
    this.handOver.wakeAll();
    for (const abandon of [...this.abandoners]) abandon();
    this.wake?.();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.pools.closeAll();
  }
}
