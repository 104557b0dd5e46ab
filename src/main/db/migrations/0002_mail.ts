import { sql, type Kysely } from 'kysely';
import { autoIdColumn, textType } from '../dialect';

// Frozen: never edit a migration that has shipped; add a new one instead. (Team mode's one exception:
// it learned to branch on the dialect through db/dialect.ts; on SQLite it makes exactly the schema it
// always made, pinned by test/unit/db/sqlite-schema.test.ts.)

export async function up(db: Kysely<any>): Promise<void> {
  const T = textType(db);
  // One SMTP configuration per organization; the password is stored encrypted by a SecretBox.
  await db.schema
    .createTable('mail_settings')
    .addColumn('organization_id', 'integer', (c) => c.primaryKey().references('organization.id').onDelete('cascade'))
    .addColumn('host', T, (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('security', T, (c) => c.notNull())
    .addColumn('username', T)
    .addColumn('password_enc', T)
    .addColumn('from_name', T)
    .addColumn('from_address', T, (c) => c.notNull())
    .addColumn('updated_at', T, (c) => c.notNull())
    .execute();

  // The transactional outbox: one row per mail, written in the transaction that caused it.
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', ...autoIdColumn(db))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organization.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.references('member.id').onDelete('cascade'))
    .addColumn('kind', T, (c) => c.notNull())
    .addColumn('recipient', T, (c) => c.notNull())
    .addColumn('recipient_name', T)
    .addColumn('subject', T, (c) => c.notNull())
    .addColumn('text_body', T)
    .addColumn('html_body', T)
    .addColumn('message_id', T, (c) => c.notNull().unique())
    .addColumn('status', T, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', T, (c) => c.notNull())
    .addColumn('lease_until', T)
    .addColumn('last_error', T)
    .addColumn('created_at', T, (c) => c.notNull())
    .addColumn('sent_at', T)
    .execute();
  await sql`CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at) WHERE status IN ('queued', 'sending')`.execute(db);
  await db.schema.createIndex('mail_outbox_by_member').on('mail_outbox').columns(['member_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('mail_outbox').execute();
  await db.schema.dropTable('mail_settings').execute();
}
