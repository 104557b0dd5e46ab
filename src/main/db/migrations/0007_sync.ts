import type { Kysely } from 'kysely';
import { autoIdColumn, changed, createRowTrigger, dropRowTrigger, textType, type RowTrigger } from '../dialect';

// Frozen once shipped: never edit; add a new migration instead. (Its one edit: ids and text columns
// through db/dialect.ts, so it runs on PostgreSQL too; on SQLite the schema is exactly as shipped.)
//
// SCIM sync: per-organization settings, one row per synced object (its remote id, the attributes
// last written, its state), and a dirty queue written by triggers in the same transaction as the
// change, so no command can change a synced object without the sync hearing of it. The triggers
// write only for organizations that have set up sync. Works on SQLite and PostgreSQL.

/** Queue a change to (type, id) of org, only when the organization syncs. */
function enqueue(org: string, type: string, id: string, from = ''): string {
  return `INSERT INTO sync_dirty (organization_id, local_type, local_id) SELECT ${org}, '${type}', ${id}${from} ${from ? 'AND' : 'WHERE'} EXISTS (SELECT 1 FROM sync_settings s WHERE s.organization_id = ${org});`;
}

const TRIGGERS: RowTrigger[] = [
  { name: 'sync_member_insert', table: 'member', event: 'INSERT', body: enqueue('new.organization_id', 'member', 'new.id') },
  {
    name: 'sync_member_update',
    table: 'member',
    event: 'UPDATE',
    when: ['status', 'email', 'name', 'phone'].map(changed).join(' OR '),
    body: enqueue('new.organization_id', 'member', 'new.id'),
  },
  { name: 'sync_member_delete', table: 'member', event: 'DELETE', body: enqueue('old.organization_id', 'member', 'old.id') },
  { name: 'sync_member_role_insert', table: 'member_role', event: 'INSERT', body: enqueue('r.organization_id', 'role', 'new.role_id', ' FROM role r WHERE r.id = new.role_id') },
  { name: 'sync_member_role_delete', table: 'member_role', event: 'DELETE', body: enqueue('r.organization_id', 'role', 'old.role_id', ' FROM role r WHERE r.id = old.role_id') },
  { name: 'sync_member_account_insert', table: 'member_account', event: 'INSERT', body: enqueue('a.organization_id', 'account', 'new.account_id', ' FROM account a WHERE a.id = new.account_id') },
  { name: 'sync_member_account_delete', table: 'member_account', event: 'DELETE', body: enqueue('a.organization_id', 'account', 'old.account_id', ' FROM account a WHERE a.id = old.account_id') },
  { name: 'sync_role_insert', table: 'role', event: 'INSERT', body: enqueue('new.organization_id', 'role', 'new.id') },
  { name: 'sync_role_update', table: 'role', event: 'UPDATE', when: changed('name'), body: enqueue('new.organization_id', 'role', 'new.id') },
  { name: 'sync_role_delete', table: 'role', event: 'DELETE', body: enqueue('old.organization_id', 'role', 'old.id') },
  { name: 'sync_account_insert', table: 'account', event: 'INSERT', body: enqueue('new.organization_id', 'account', 'new.id') },
  { name: 'sync_account_update', table: 'account', event: 'UPDATE', when: `${changed('name')} OR ${changed('parent_id')}`, body: enqueue('new.organization_id', 'account', 'new.id') },
  { name: 'sync_account_delete', table: 'account', event: 'DELETE', body: enqueue('old.organization_id', 'account', 'old.id') },
];

export async function up(db: Kysely<any>): Promise<void> {
  const T = textType(db);
  await db.schema
    .createTable('sync_settings')
    .addColumn('organization_id', 'integer', (c) => c.primaryKey().references('organization.id').onDelete('cascade'))
    .addColumn('base_url', T, (c) => c.notNull())
    .addColumn('token_enc', T)
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('pause_kind', T)
    .addColumn('pause_reason', T)
    .addColumn('deletion_policy', T, (c) => c.notNull().defaultTo('deactivate'))
    .addColumn('guard_percent', 'integer', (c) => c.notNull().defaultTo(10))
    .addColumn('guard_count', 'integer', (c) => c.notNull().defaultTo(200))
    .addColumn('max_in_flight', 'integer', (c) => c.notNull().defaultTo(4))
    .addColumn('dry_run', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('hold_reason', T)
    .addColumn('hold_approved', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('push_owner', T)
    .addColumn('push_lease_until', T)
    .addColumn('retry_after_until', T)
    .addColumn('last_push_at', T)
    .addColumn('last_push_summary', T)
    .addColumn('updated_at', T, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sync_object')
    .addColumn('id', ...autoIdColumn(db))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organization.id').onDelete('cascade'))
    .addColumn('kind', T, (c) => c.notNull())
    .addColumn('local_type', T, (c) => c.notNull())
    .addColumn('local_id', 'integer', (c) => c.notNull())
    .addColumn('external_id', T, (c) => c.notNull().unique())
    .addColumn('remote_id', T)
    .addColumn('written_json', T)
    .addColumn('label', T, (c) => c.notNull())
    .addColumn('state', T, (c) => c.notNull())
    .addColumn('status', 'integer')
    .addColumn('scim_type', T)
    .addColumn('detail', T)
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_retry_at', T)
    .addColumn('lease_until', T)
    .addColumn('synced_at', T)
    .addColumn('updated_at', T, (c) => c.notNull())
    .addUniqueConstraint('sync_object_local', ['organization_id', 'local_type', 'local_id'])
    .execute();
  await db.schema.createIndex('sync_object_by_state').on('sync_object').columns(['organization_id', 'state', 'id']).execute();

  // No foreign key: triggers write here while an organization is being deleted.
  await db.schema
    .createTable('sync_dirty')
    .addColumn('id', ...autoIdColumn(db))
    .addColumn('organization_id', 'integer', (c) => c.notNull())
    .addColumn('local_type', T, (c) => c.notNull())
    .addColumn('local_id', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sync_dirty_by_org').on('sync_dirty').columns(['organization_id', 'id']).execute();

  for (const t of TRIGGERS) await createRowTrigger(db, t);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of TRIGGERS) await dropRowTrigger(db, t.name, t.table);
  for (const t of ['sync_dirty', 'sync_object', 'sync_settings']) await db.schema.dropTable(t).execute();
}
