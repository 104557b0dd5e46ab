import { sql, type Kysely } from 'kysely';
import { byDialect } from '../dialect';

// Frozen once shipped: never edit; add a new migration instead.
//
// PostgreSQL only (SQLite sorts NULL keys inside its one index range and needs nothing).
// A page ordered by a date reads the members whose date is NULL as a range of its own
// (member-page.repo.ts: no index serves `ORDER BY … NULLS LAST`), ordered by id. With a search,
// nothing served that range: its planner gathered every match of the fragment through the trigram
// index to find the few members without a date — "example42" (one member in 97) took 104 ms at
// 1,000,000 members, "person1" spent 52 of its 195 ms there (bench `stores`, 2026-12-06). Two
// partial indexes hold only those members (the Owner who registered has no invitation date), so
// that range is an index scan of a handful of rows; invitations, which always carry both dates,
// never write them.
// Down drops them.

export async function up(db: Kysely<any>): Promise<void> {
  await byDialect(db, {
    sqlite: async () => {},
    postgres: async () => {
      await sql`CREATE INDEX IF NOT EXISTS member_invited_at_null ON member (organization_id, id) WHERE invited_at IS NULL`.execute(db);
      await sql`CREATE INDEX IF NOT EXISTS member_status_changed_at_null ON member (organization_id, id) WHERE status_changed_at IS NULL`.execute(db);
    },
  });
}

export async function down(db: Kysely<any>): Promise<void> {
  await byDialect(db, {
    sqlite: async () => {},
    postgres: async () => {
      await sql`DROP INDEX IF EXISTS member_invited_at_null`.execute(db);
      await sql`DROP INDEX IF EXISTS member_status_changed_at_null`.execute(db);
    },
  });
}
