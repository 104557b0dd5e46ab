/**
 * How many mails the sender has handed to the SMTP server whose outcome is not committed yet, kept
 * at most `limit` (mail/sender.ts maxUnrecorded): a crash sends those again, so the bound is the most
 * a crash can repeat. A send past the bound waits for an outcome to be committed.
 */
export class HandOverBound {
  private handed = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    /** Told when a send starts waiting: batched outcomes are committed now rather than after their delay. */
    private readonly onWait: () => void,
  ) {}

  /** A send waits for room (or for `stop`), then counts as handed over. */
  async take(stop: () => boolean): Promise<void> {
    while (this.handed >= this.limit && !stop()) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        this.onWait();
      });
    }
    this.handed++;
  }

  /** A handed-over mail's outcome is committed (or failed to be): room for the next. */
  give(): void {
    this.handed--;
    this.waiters.shift()?.();
  }

  get waiting(): boolean {
    return this.waiters.length > 0;
  }

  /** Wakes every waiting send (the process "died": they give up). */
  wakeAll(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
