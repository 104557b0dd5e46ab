import { DomainError } from '../core/errors';
import { hashToken } from '../core/tokens';
import type { Db } from '../db/database';
import { countersOf, decrementCounter, deleteCounter, incrementCounter, markFailedAt, sweepCounters } from '../db/repos/guesses.repo';

/**
 * The one limiter for every check of a secret: sign-in, accepting an invitation with a current
 * password (portal), phone one-time codes and unknown link tokens. Kept in the database, shared
 * by every process on it (team mode).
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
  succeeded(): Promise<void>;
  /** The secret was wrong (the attempt already counts); tells the watcher when the person is now slowed down. */
  failed(): Promise<void>;
}

/**
 * The counters live in the database (migration 0013, db/repos/guesses.repo.ts), so every process on
 * one PostgreSQL slows the same guesser down the same way. Per key: the failures since the key's last
 * quiet spell (a key whose last failure is older than the window starts again at 1), and the time of
 * the last two failures.
 */
export class GuessLimiter {
  private readonly policy: GuessPolicy;
  /** Called when a person's failures reach the allowance (to tell an Owner their account is under attack). */
  onPersonSlowed: ((person: string) => void) | null = null;
  private lastSweep = 0;

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    policy: Partial<GuessPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_GUESS_POLICY, ...policy };
  }

  private keysOf(keys: GuessKeys): { key: string; allowance: number }[] {
    const out: { key: string; allowance: number }[] = [];
    const client = keys.client ?? 'unknown';
    // Stored hashed: no addresses in the table, one length, and no byte PostgreSQL's text refuses.
    if (keys.person) {
      out.push({ key: `pair:${hashToken(`${keys.person}\u0000${client}`)}`, allowance: this.policy.pairAllowance });
      out.push({ key: `person:${hashToken(keys.person)}`, allowance: this.policy.personAllowance });
    }
    out.push({ key: `client:${hashToken(client)}`, allowance: this.policy.clientAllowance });
    return out;
  }

  /** How long a key with `failures` (the last at `lastAt`) must still wait, in ms (0: it may try now). */
  private waitAfter(failures: number, lastAt: string | null, allowance: number): number {
    if (failures < allowance || !lastAt) return 0;
    const delay = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** Math.min(20, failures - allowance));
    return Math.max(0, Date.parse(lastAt) + delay - this.now());
  }

  private staleBefore(): string {
    return new Date(this.now() - this.policy.windowMs).toISOString();
  }

  /** The longest wait among the keys, in ms. */
  async wait(keys: GuessKeys): Promise<number> {
    const all = this.keysOf(keys);
    const stale = this.staleBefore();
    const rows = new Map((await countersOf(this.db, all.map((k) => k.key))).map((r) => [r.key, r]));
    return Math.max(
      0,
      ...all.map(({ key, allowance }) => {
        const row = rows.get(key);
        return row && row.last_at > stale ? this.waitAfter(row.failures, row.last_at, allowance) : 0;
      }),
    );
  }

  /**
   * Starts checking a secret: throws RATE_LIMITED ("wait N seconds") while any key must wait (a
   * refused attempt does not count), else counts the attempt as a failure until told otherwise.
   * Attempts racing on several processes: each increment is atomic and returns the count before it,
   * so the one that slipped under a wait another just started is refused and taken back.
   */
  async attempt(keys: GuessKeys): Promise<GuessAttempt> {
    const ms = await this.wait(keys);
    if (ms > 0) throw tooMany(ms);
    const nowMs = this.now();
    const at = new Date(nowMs).toISOString();
    const stale = this.staleBefore();
    const all = this.keysOf(keys);
    const counted: { key: string; failures: number; prevAt: string | null }[] = [];
    for (const { key } of all) {
      const r = await incrementCounter(this.db, key, at, stale);
      counted.push({ key, failures: r.failures, prevAt: r.prev_at });
    }
    const raced = Math.max(0, ...all.map(({ allowance }, i) => this.waitAfter(counted[i]!.failures - 1, counted[i]!.prevAt, allowance)));
    if (raced > 0) {
      for (const c of counted) await decrementCounter(this.db, c.key, c.prevAt);
      // The wait as it stands once this attempt is taken back (what a refusal before the race would say).
      throw tooMany((await this.wait(keys)) || raced);
    }
    if (nowMs - this.lastSweep > 60_000) {
      this.lastSweep = nowMs;
      await this.sweep();
    }
    const personCount = keys.person ? (counted[1]?.failures ?? 0) : 0;
    let settled = false;
    return {
      succeeded: async () => {
        if (settled) return;
        settled = true;
        for (const { key } of all) {
          if (key.startsWith('pair:')) await deleteCounter(this.db, key);
          else await decrementCounter(this.db, key);
        }
      },
      failed: async () => {
        if (settled) return;
        settled = true;
        // A slow check (scrypt on a busy machine) must not eat the wait: it runs from the failure.
        await markFailedAt(this.db, all.map((k) => k.key), new Date(this.now()).toISOString());
        if (keys.person && personCount >= this.policy.pairAllowance) this.onPersonSlowed?.(keys.person);
      },
    };
  }

  /** Checks a secret with `check` under the limiter: the one way to test a password, code or token. */
  async guard<T>(keys: GuessKeys, check: () => Promise<T | false>): Promise<T | false> {
    const attempt = await this.attempt(keys);
    let result: T | false;
    try {
      result = await check();
    } catch (e) {
      await attempt.failed();
      throw e;
    }
    if (result === false) await attempt.failed();
    else await attempt.succeeded();
    return result;
  }

  /** Counters whose last failure left the window go (also done by the runtime's minute sweep). */
  async sweep(): Promise<number> {
    return sweepCounters(this.db, new Date(this.now() - this.policy.windowMs - this.policy.maxDelayMs).toISOString());
  }
}

export function tooMany(ms: number): DomainError {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return new DomainError('RATE_LIMITED', `Too many attempts: wait ${seconds} second${seconds === 1 ? '' : 's'} and try again.`, { retryAfterSeconds: seconds });
}
