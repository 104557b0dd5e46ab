import type { Kysely } from 'kysely';
import { textType } from '../dialect';

// Frozen once shipped: never edit; add a new migration instead. (Its one edit: text columns through
// db/dialect.ts, the byte-order collation on PostgreSQL; on SQLite the schema is exactly as shipped.)
//
// Dead links are never mailed (issue 16, item 2): an outbox row remembers the link it carries (by
// the SHA-256 the link table keeps, never the token) and the member state the mail was for. The
// sender's claim drops a row whose link is no longer live or whose member has left that state,
// with the reason in last_error. Rows without a link (notices, test mails) have both NULL and are
// always sent.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('mail_outbox').addColumn('link_token_hash', textType(db)).execute();
  await db.schema.alterTable('mail_outbox').addColumn('member_status', textType(db)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('mail_outbox').dropColumn('member_status').execute();
  await db.schema.alterTable('mail_outbox').dropColumn('link_token_hash').execute();
}
