import { randomUUID } from 'node:crypto';
import { enabledSyncOrganizations, findSyncSettings } from '../db/repos/sync.repo';
import { pushOrganization, type PushContext, type PushResult } from './push';

/**
 * The background sync sender, like the mail sender: wakes when kicked (a member, role or
 * sub-account change was committed: services' 'directory-changed' event) or every poll (the fallback), and pushes each organization whose sync is on. A server that asked to wait, or
 * that could not be reached, is tried again when its time comes.
 */
export class SyncSender {
  private running = false;
  private wake: (() => void) | null = null;
  /** A kick that came while a drain ran: drain again at once instead of waiting for the poll. */
  private kicked = false;
  private loopDone: Promise<void> | null = null;
  /** Pushes in progress in this process, by organization (the UI's progress). */
  readonly active = new Set<number>();

  constructor(
    private readonly ctx: Omit<PushContext, 'owner'> & { owner?: string },
    private readonly opts: { pollMs?: number; onPush?: (org: number, r: PushResult) => void } = {},
  ) {}

  private get pushCtx(): PushContext {
    return { ...this.ctx, owner: this.ctx.owner ?? (this.ctx.owner = `roster-${process.pid}-${randomUUID()}`) };
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Something changed (after its commit): push now rather than at the next poll. */
  kick(): void {
    if (this.wake) this.wake();
    else this.kicked = true;
  }

  /** One push for one organization now (the Push now button, tests). */
  async pushNow(organizationId: number, opts: Parameters<typeof pushOrganization>[2] = {}): Promise<PushResult> {
    this.active.add(organizationId);
    try {
      const r = await pushOrganization(this.pushCtx, organizationId, opts);
      this.opts.onPush?.(organizationId, r);
      return r;
    } finally {
      this.active.delete(organizationId);
    }
  }

  /** Pushes every organization once; returns the earliest time something is due again. */
  async drainAll(): Promise<number | null> {
    let nextAt: number | null = null;
    for (const org of await enabledSyncOrganizations(this.ctx.db)) {
      const r = await this.pushNow(org);
      const s = await findSyncSettings(this.ctx.db, org);
      if (r.outcome === 'throttled' && s?.retry_after_until) nextAt = Math.min(nextAt ?? Infinity, Date.parse(s.retry_after_until));
    }
    return nextAt;
  }

  private async loop(): Promise<void> {
    const pollMs = this.opts.pollMs ?? 2_000;
    while (this.running) {
      let nextAt: number | null = null;
      try {
        nextAt = await this.drainAll();
      } catch {
        // The store or a server misbehaved: try again at the next poll.
      }
      if (!this.running) break;
      if (this.kicked) {
        this.kicked = false;
        continue;
      }
      const wait = nextAt === null ? pollMs : Math.max(50, Math.min(pollMs, nextAt - this.ctx.clock.now().getTime()));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        timer.unref?.();
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
  }
}
