import { sql, type Kysely } from 'kysely';
import { byDialect } from '../dialect';

// Frozen once shipped: never edit; add a new migration instead.
//
// PostgreSQL only (SQLite keeps its FTS5 trigram table of 0004; nothing changes there).
// The search's recheck of each candidate row was `name ILIKE p OR email_normalized ILIKE p`: ILIKE
// lowercases the row's text AND the pattern again for every row, and a common fragment whose matches
// lie far down the sort order rechecks every match (111,111 rows for "person1" at 1,000,000 members).
// The same test as plain LIKE on lowercased text costs about half (EXPLAIN ANALYZE, bench `stores`):
// `lower(name) LIKE p OR email_normalized LIKE p`, p already lowercased (email_normalized is stored
// lowercased). Under the 'C' collation lower() and ILIKE both fold ASCII only, so the members found
// are exactly the same. The trigram index follows the expression: lower(name) instead of name.
// Down puts back 0004's index on the column as it was.

export async function up(db: Kysely<any>): Promise<void> {
  await byDialect(db, {
    sqlite: async () => {},
    postgres: async () => {
      await sql`DROP INDEX IF EXISTS member_search_trgm`.execute(db);
      await sql`CREATE INDEX member_search_lower_trgm ON member USING gin (lower(name) gin_trgm_ops, email_normalized gin_trgm_ops, phone_digits gin_trgm_ops)`.execute(db);
      // The planner's estimate of a fragment's matches (which plan a search takes) reads the
      // statistics of the new expression; without them it would guess until autovacuum runs.
      await sql`ANALYZE member`.execute(db);
    },
  });
}

export async function down(db: Kysely<any>): Promise<void> {
  await byDialect(db, {
    sqlite: async () => {},
    postgres: async () => {
      await sql`DROP INDEX IF EXISTS member_search_lower_trgm`.execute(db);
      await sql`CREATE INDEX member_search_trgm ON member USING gin (name gin_trgm_ops, email_normalized gin_trgm_ops, phone_digits gin_trgm_ops)`.execute(db);
    },
  });
}
