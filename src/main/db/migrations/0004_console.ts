import { sql, type Kysely } from 'kysely';
import { createMemberSearchIndex, dialectOf } from '../dialect';

// Frozen once shipped: never edit; add a new migration instead. (Team mode's one exception: on
// PostgreSQL the search index is a pg_trgm GIN index instead of FTS5; SQLite is unchanged, pinned by
// test/unit/db/sqlite-schema.test.ts.)
//
// The admin console at a million members:
// - keyset indexes for every sort of the member tables, per status tab and for "all" (not deleted),
//   so the first and the last page are index range scans;
// - an FTS5 trigram index over name, email and phone digits, kept in sync by triggers, so a
//   search by fragment (3+ characters) is an index lookup instead of a full LIKE '%…%' scan.

const SORTS: [string, string][] = [
  ['invited', 'invited_at'],
  ['changed', 'status_changed_at'],
  ['email', 'email_normalized'],
  ['name', 'coalesce(lower(name), email_normalized)'],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [key, expr] of SORTS) {
    await sql.raw(`CREATE INDEX member_status_${key} ON member (organization_id, status, ${expr}, id)`).execute(db);
    await sql.raw(`CREATE INDEX member_live_${key} ON member (organization_id, ${expr}, id) WHERE status <> 'deleted'`).execute(db);
  }
  if (dialectOf(db) === 'postgres') {
    await createMemberSearchIndex(db);
    return;
  }
  await sql`CREATE VIRTUAL TABLE member_search USING fts5(name, email_normalized, phone_digits, content='member', content_rowid='id', tokenize='trigram')`.execute(db);
  await sql`CREATE TRIGGER member_search_ai AFTER INSERT ON member BEGIN
    INSERT INTO member_search (rowid, name, email_normalized, phone_digits) VALUES (new.id, new.name, new.email_normalized, new.phone_digits);
  END`.execute(db);
  await sql`CREATE TRIGGER member_search_ad AFTER DELETE ON member BEGIN
    INSERT INTO member_search (member_search, rowid, name, email_normalized, phone_digits) VALUES ('delete', old.id, old.name, old.email_normalized, old.phone_digits);
  END`.execute(db);
  await sql`CREATE TRIGGER member_search_au AFTER UPDATE OF name, email_normalized, phone_digits ON member BEGIN
    INSERT INTO member_search (member_search, rowid, name, email_normalized, phone_digits) VALUES ('delete', old.id, old.name, old.email_normalized, old.phone_digits);
    INSERT INTO member_search (rowid, name, email_normalized, phone_digits) VALUES (new.id, new.name, new.email_normalized, new.phone_digits);
  END`.execute(db);
  await sql`INSERT INTO member_search (member_search) VALUES ('rebuild')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') await sql`DROP INDEX IF EXISTS member_search_trgm`.execute(db);
  for (const t of ['member_search_ai', 'member_search_ad', 'member_search_au']) await sql.raw(`DROP TRIGGER IF EXISTS ${t}`).execute(db);
  await sql`DROP TABLE IF EXISTS member_search`.execute(db);
  for (const [key] of SORTS) {
    await sql.raw(`DROP INDEX IF EXISTS member_status_${key}`).execute(db);
    await sql.raw(`DROP INDEX IF EXISTS member_live_${key}`).execute(db);
  }
}
