import { DomainError } from '../core/errors';

/**
 * The one limiter for every check of a secret: sign-in, accepting an invitation with a current
 * password (portal), phone one-time codes and unknown link tokens. In memory, per process (the
 * data folder is locked to one process).
 *
 * It slows guessing down rather than locking the right password out: past a free allowance of
 * failures, each key must wait 5 s, then 10, 20, 40, 60 s at most after its last failure. Keys:
 * - `pair` (person + client): 5 free failures, the usual typing mistakes of one person;
 * - `person` (across clients): 10, so guessing one account from many clients is slowed too;
 * - `client` (across addresses): 20, so spraying one password over many addresses is slowed.
 * An attempt counts as a failure from the moment it starts (parallel guesses cannot slip under the
 * allowance while the slow hash runs); a success takes it back and clears the pair.
 */

export interface GuessKeys {
  /** Whose secret is checked: a normalized email, or a namespaced key ("code:<member id>"). */
  person?: string | null;
  /** Where the attempt comes from: a socket address, or "desktop" over IPC. */
  client?: string | null;
}

export interface GuessPolicy {
  windowMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  pairAllowance: number;
  personAllowance: number;
  clientAllowance: number;
}

export const DEFAULT_GUESS_POLICY: GuessPolicy = {
  windowMs: 15 * 60 * 1000,
  baseDelayMs: 5_000,
  maxDelayMs: 60_000,
  pairAllowance: 5,
  personAllowance: 10,
  clientAllowance: 20,
};

export interface GuessAttempt {
  /** The secret was right: the attempt no longer counts, and the pair's failures are forgiven. */
  succeeded(): void;
  /** The secret was wrong (the attempt already counts); tells the watcher when the person is now slowed down. */
  failed(): void;
}

const MAX_KEYS = 10_000;
const MAX_TIMES_PER_KEY = 64;

export class GuessLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly policy: GuessPolicy;
  /** Called when a person's failures reach the allowance (to tell an Owner their account is under attack). */
  onPersonSlowed: ((person: string) => void) | null = null;

  constructor(
    private readonly now: () => number,
    policy: Partial<GuessPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_GUESS_POLICY, ...policy };
  }

  private keysOf(keys: GuessKeys): { key: string; allowance: number }[] {
    const out: { key: string; allowance: number }[] = [];
    const client = keys.client ?? 'unknown';
    if (keys.person) {
      out.push({ key: `pair:${keys.person}\u0000${client}`, allowance: this.policy.pairAllowance });
      out.push({ key: `person:${keys.person}`, allowance: this.policy.personAllowance });
    }
    out.push({ key: `client:${client}`, allowance: this.policy.clientAllowance });
    return out;
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.policy.windowMs;
    const times = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (times.length) this.failures.set(key, times);
    else this.failures.delete(key);
    return times;
  }

  /** How long `key` must still wait, in ms (0: it may try now). */
  private waitFor(key: string, allowance: number): number {
    const times = this.recent(key);
    if (times.length < allowance) return 0;
    const delay = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** Math.min(20, times.length - allowance));
    return Math.max(0, times[times.length - 1]! + delay - this.now());
  }

  /** The longest wait among the keys, in ms. */
  wait(keys: GuessKeys): number {
    return Math.max(0, ...this.keysOf(keys).map((k) => this.waitFor(k.key, k.allowance)));
  }

  /**
   * Starts checking a secret: throws RATE_LIMITED ("wait N seconds") while any key must wait (a
   * refused attempt does not count), else counts the attempt as a failure until told otherwise.
   */
  attempt(keys: GuessKeys): GuessAttempt {
    const ms = this.wait(keys);
    if (ms > 0) throw tooMany(ms);
    const at = this.now();
    const all = this.keysOf(keys);
    for (const { key } of all) {
      const times = this.failures.get(key) ?? [];
      times.push(at);
      if (times.length > MAX_TIMES_PER_KEY) times.splice(0, times.length - MAX_TIMES_PER_KEY);
      this.failures.set(key, times);
    }
    if (this.failures.size > MAX_KEYS) this.prune();
    let settled = false;
    return {
      succeeded: () => {
        if (settled) return;
        settled = true;
        for (const { key } of all) {
          if (key.startsWith('pair:')) {
            this.failures.delete(key);
            continue;
          }
          const times = this.failures.get(key);
          const i = times?.lastIndexOf(at) ?? -1;
          if (times && i >= 0) times.splice(i, 1);
          if (times && times.length === 0) this.failures.delete(key);
        }
      },
      failed: () => {
        if (settled) return;
        settled = true;
        if (keys.person && this.recent(`person:${keys.person}`).length >= this.policy.pairAllowance) this.onPersonSlowed?.(keys.person);
      },
    };
  }

  /** Checks a secret with `check` under the limiter: the one way to test a password, code or token. */
  async guard<T>(keys: GuessKeys, check: () => Promise<T | false>): Promise<T | false> {
    const attempt = this.attempt(keys);
    let result: T | false;
    try {
      result = await check();
    } catch (e) {
      attempt.failed();
      throw e;
    }
    if (result === false) attempt.failed();
    else attempt.succeeded();
    return result;
  }

  private prune(): void {
    const cutoff = this.now() - this.policy.windowMs;
    for (const [key, times] of this.failures) if (!times.some((t) => t > cutoff)) this.failures.delete(key);
  }
}

export function tooMany(ms: number): DomainError {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return new DomainError('RATE_LIMITED', `Too many attempts: wait ${seconds} second${seconds === 1 ? '' : 's'} and try again.`, { retryAfterSeconds: seconds });
}
