import { sql, type Kysely } from 'kysely';
import { byDialect } from '../dialect';

// Frozen once shipped: never edit; add a new migration instead.
//
// SQLite only (PostgreSQL keeps the index; see below).
// Every member row an invite batch writes updates each of the member table's 12 indexes. One of them,
// 0004's member_live_email (organization_id, email_normalized, id) WHERE status <> 'deleted', holds
// on SQLite exactly what 0001's unique member_email_per_org (organization_id, email_normalized)
// WHERE status <> 'deleted' holds: a SQLite index ends with the rowid, which is the member's id, so
// both are the same keys in the same order under the same condition. With both present SQLite
// already chose member_email_per_org for the email-sorted pages of the "all" tab (every keyset shape,
// both directions); the one statement that used member_live_email, the search's address-prefix
// range, gets the same range search on member_email_per_org (EXPLAIN QUERY PLAN of the 217 member
// statements the app's list, search, bulk, portal, account and role paths run: 1 changed, to the
// twin index; issue 17 report of branch invite3).
// PostgreSQL keeps it: a PostgreSQL index does not end with the id, so the unique index cannot
// give the (email, id) order of a keyset page.
// Down creates it again as 0004 made it.

export async function up(db: Kysely<any>): Promise<void> {
  await byDialect(db, {
    sqlite: async () => {
      await sql`DROP INDEX IF EXISTS member_live_email`.execute(db);
    },
    postgres: async () => {},
  });
}

export async function down(db: Kysely<any>): Promise<void> {
  await byDialect(db, {
    sqlite: async () => {
      await sql`CREATE INDEX IF NOT EXISTS member_live_email ON member (organization_id, email_normalized, id) WHERE status <> 'deleted'`.execute(db);
    },
    postgres: async () => {},
  });
}
