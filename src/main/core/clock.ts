/** Time comes from here, never from `new Date()` in the domain, so tests can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that starts at the system time (or a given instant) and can be moved forward. */
export class AdjustableClock implements Clock {
  private offsetMs = 0;
  constructor(private base: Clock = systemClock) {}
  now(): Date {
    return new Date(this.base.now().getTime() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  /** Time stands still (until advanced): a test's outcome must not hang on how busy the machine is. */
  freeze(): void {
    const at = this.now().getTime();
    this.offsetMs = 0;
    this.base = { now: () => new Date(at) };
  }
}

export const DAY_MS = 24 * 60 * 60 * 1000;
