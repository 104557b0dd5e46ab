import type { Selectable } from 'kysely';

/** A console session (migration 0013): only the token's SHA-256 is kept. */
export interface ConsoleSessionTable {
  token_hash: string;
  person_id: number;
  email: string;
  organization_id: number;
  created_at: string;
  last_seen_at: string;
  ended_at: string | null;
  ended_reason: string | null;
}
export type ConsoleSession = Selectable<ConsoleSessionTable>;

/** Failed checks of a secret per limiter key (services/guesses.ts). */
export interface GuessCounterTable {
  key: string;
  failures: number;
  last_at: string;
  prev_at: string | null;
}
export type GuessCounter = Selectable<GuessCounterTable>;
