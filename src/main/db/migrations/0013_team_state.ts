import type { Kysely } from 'kysely';
import { textType } from '../dialect';

// Frozen once shipped: never edit; add a new migration instead.
//
// Team mode (issue 13): what used to live in one process's memory is kept in the database, so
// several processes on one PostgreSQL share it: console sessions (a cookie signed in on one process
// works on the others; signing out, the idle lock and a password change end it everywhere) and the
// guess limiter's failure counters (services/guesses.ts). Same tables on SQLite (one process, but
// one code path). Times are ISO-8601 text, like every other date of the schema.

export async function up(db: Kysely<any>): Promise<void> {
  const text = textType(db);
  await db.schema
    .createTable('console_session')
    // SHA-256 (hex) of the session token; the token itself is never stored.
    .addColumn('token_hash', text, (c) => c.primaryKey())
    .addColumn('person_id', 'integer', (c) => c.notNull().references('person.id').onDelete('cascade'))
    .addColumn('email', text, (c) => c.notNull())
    .addColumn('organization_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('last_seen_at', text, (c) => c.notNull())
    // Set when Roster ended it (idle lock): the sign-in page says why; swept a day later.
    .addColumn('ended_at', text)
    .addColumn('ended_reason', text)
    .execute();
  await db.schema.createIndex('console_session_person').on('console_session').column('person_id').execute();
  await db.schema.createIndex('console_session_seen').on('console_session').column('last_seen_at').execute();

  await db.schema
    .createTable('guess_counter')
    // "pair:<person>\0<client>", "person:<person>" or "client:<client>".
    .addColumn('key', text, (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_at', text, (c) => c.notNull())
    // The failure before the last one: lets a racing attempt see the wait it slipped under.
    .addColumn('prev_at', text)
    .execute();
  await db.schema.createIndex('guess_counter_last').on('guess_counter').column('last_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('guess_counter').execute();
  await db.schema.dropTable('console_session').execute();
}
