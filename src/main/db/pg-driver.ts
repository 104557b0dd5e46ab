import { createRequire } from 'node:module';
import type Pg from 'pg';

/**
 * The `pg` driver, required on first use: only team mode (a postgres:// URL), the move to PostgreSQL
 * and its connection test need it, so a SQLite start does not pay for loading it (~100 ms).
 */
let loaded: typeof Pg | null = null;

export function pgDriver(): typeof Pg {
  loaded ??= createRequire(__filename)('pg') as typeof Pg;
  return loaded;
}
