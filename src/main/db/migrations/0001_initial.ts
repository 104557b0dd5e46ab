import { sql, type Kysely } from 'kysely';
import { autoIdColumn, createCaseInsensitiveUniqueIndex, textType } from '../dialect';

// Frozen: never edit a migration that has shipped; add a new one instead. (Team mode's one exception:
// it learned to branch on the dialect through db/dialect.ts; on SQLite it makes exactly the schema it
// always made, pinned by test/unit/db/sqlite-schema.test.ts.)

export async function up(db: Kysely<any>): Promise<void> {
  const T = textType(db);
  await db.schema
    .createTable('organization')
    .addColumn('id', ...autoIdColumn(db))
    .addColumn('name', T, (c) => c.notNull())
    .addColumn('invitation_validity_days', 'integer', (c) => c.notNull().defaultTo(7))
    .addColumn('allow_domains', T, (c) => c.notNull().defaultTo('[]'))
    .addColumn('deny_domains', T, (c) => c.notNull().defaultTo('[]'))
    .addColumn('block_disposable', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('require_phone', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('time_zone', T, (c) => c.notNull().defaultTo('UTC'))
    .addColumn('idle_lock_minutes', 'integer', (c) => c.notNull().defaultTo(15))
    .addColumn('created_at', T, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('person')
    .addColumn('id', ...autoIdColumn(db))
    .addColumn('email', T, (c) => c.notNull().unique())
    .addColumn('password_hash', T)
    .addColumn('created_at', T, (c) => c.notNull())
    .addColumn('updated_at', T, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('account')
    .addColumn('id', ...autoIdColumn(db))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organization.id').onDelete('cascade'))
    .addColumn('parent_id', 'integer', (c) => c.references('account.id'))
    .addColumn('name', T, (c) => c.notNull())
    .addColumn('created_at', T, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('account_by_org').on('account').columns(['organization_id', 'parent_id']).execute();

  await db.schema
    .createTable('role')
    .addColumn('id', ...autoIdColumn(db))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organization.id').onDelete('cascade'))
    .addColumn('name', T, (c) => c.notNull())
    .addColumn('builtin', T)
    .addColumn('description', T, (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', T, (c) => c.notNull())
    .execute();
  await createCaseInsensitiveUniqueIndex(db, 'role_name_per_org', 'role', ['organization_id'], 'name');

  await db.schema
    .createTable('role_permission')
    .addColumn('role_id', 'integer', (c) => c.notNull().references('role.id').onDelete('cascade'))
    .addColumn('permission', T, (c) => c.notNull())
    .addPrimaryKeyConstraint('role_permission_pk', ['role_id', 'permission'])
    .execute();

  await db.schema
    .createTable('product_module')
    .addColumn('id', ...autoIdColumn(db))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organization.id').onDelete('cascade'))
    .addColumn('key', T, (c) => c.notNull())
    .addColumn('name', T, (c) => c.notNull())
    .addColumn('admin_only', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('product_module_key_per_org', ['organization_id', 'key'])
    .execute();

  await db.schema
    .createTable('member')
    .addColumn('id', ...autoIdColumn(db))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organization.id').onDelete('cascade'))
    .addColumn('person_id', 'integer', (c) => c.references('person.id'))
    .addColumn('email', T, (c) => c.notNull())
    .addColumn('email_normalized', T, (c) => c.notNull())
    .addColumn('name', T)
    .addColumn('phone', T)
    .addColumn('phone_digits', T)
    .addColumn('status', T, (c) => c.notNull())
    .addColumn('invited_by_member_id', 'integer', (c) => c.references('member.id'))
    .addColumn('invited_at', T)
    .addColumn('invite_expires_at', T)
    .addColumn('accepted_at', T)
    .addColumn('status_changed_at', T, (c) => c.notNull())
    .addColumn('created_at', T, (c) => c.notNull())
    .addColumn('updated_at', T, (c) => c.notNull())
    .execute();
  // Unique per organization, case-insensitively; a deleted member frees the address.
  await sql`CREATE UNIQUE INDEX member_email_per_org ON member (organization_id, email_normalized) WHERE status <> 'deleted'`.execute(db);
  await db.schema.createIndex('member_by_status').on('member').columns(['organization_id', 'status', 'id']).execute();
  await sql`CREATE INDEX member_pending_expiry ON member (invite_expires_at) WHERE status = 'pending'`.execute(db);
  await db.schema.createIndex('member_by_person').on('member').column('person_id').execute();

  await db.schema
    .createTable('member_role')
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('role_id', 'integer', (c) => c.notNull().references('role.id'))
    .addColumn('account_id', 'integer', (c) => c.notNull().references('account.id'))
    .addPrimaryKeyConstraint('member_role_pk', ['member_id', 'role_id', 'account_id'])
    .execute();
  await db.schema.createIndex('member_role_by_role').on('member_role').columns(['role_id', 'member_id']).execute();

  await db.schema
    .createTable('member_permission')
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('permission', T, (c) => c.notNull())
    .addColumn('account_id', 'integer', (c) => c.notNull().references('account.id'))
    .addPrimaryKeyConstraint('member_permission_pk', ['member_id', 'permission', 'account_id'])
    .execute();

  await db.schema
    .createTable('member_account')
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('account_id', 'integer', (c) => c.notNull().references('account.id'))
    .addPrimaryKeyConstraint('member_account_pk', ['member_id', 'account_id'])
    .execute();
  await db.schema.createIndex('member_account_by_account').on('member_account').columns(['account_id', 'member_id']).execute();

  await db.schema
    .createTable('link')
    .addColumn('id', ...autoIdColumn(db))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('purpose', T, (c) => c.notNull())
    .addColumn('token_hash', T, (c) => c.notNull().unique())
    .addColumn('created_at', T, (c) => c.notNull())
    .addColumn('expires_at', T, (c) => c.notNull())
    .addColumn('used_at', T)
    .addColumn('revoked_at', T)
    .addColumn('revoked_reason', T)
    .execute();
  await db.schema.createIndex('link_by_member').on('link').columns(['member_id', 'purpose']).execute();

  await db.schema
    .createTable('audit')
    .addColumn('id', ...autoIdColumn(db))
    .addColumn('organization_id', 'integer', (c) => c.references('organization.id').onDelete('cascade'))
    .addColumn('actor_person_id', 'integer')
    .addColumn('actor_label', T, (c) => c.notNull())
    .addColumn('action', T, (c) => c.notNull())
    .addColumn('target_type', T, (c) => c.notNull())
    .addColumn('target_id', 'integer')
    .addColumn('target_label', T)
    .addColumn('before_json', T)
    .addColumn('after_json', T)
    .addColumn('at', T, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_by_org_time').on('audit').columns(['organization_id', 'id']).execute();
  await db.schema.createIndex('audit_by_target').on('audit').columns(['target_type', 'target_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['audit', 'link', 'member_account', 'member_permission', 'member_role', 'member', 'product_module', 'role_permission', 'role', 'account', 'person', 'organization'])
    await db.schema.dropTable(t).execute();
}
