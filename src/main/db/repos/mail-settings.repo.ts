import type { DbOrTx } from '../database';
import type { MailSettingsRow, NewMailSettings } from '../tables/mail_settings.table';

export async function findMailSettings(db: DbOrTx, organizationId: number): Promise<MailSettingsRow | undefined> {
  return db.selectFrom('mail_settings').selectAll().where('organization_id', '=', organizationId).executeTakeFirst();
}

/** Organizations with their own SMTP settings. */
export async function organizationsWithMailSettings(db: DbOrTx): Promise<number[]> {
  const rows = await db.selectFrom('mail_settings').select('organization_id').execute();
  return rows.map((r) => r.organization_id);
}

export async function saveMailSettings(db: DbOrTx, organizationId: number, values: Omit<NewMailSettings, 'organization_id'>): Promise<void> {
  await db
    .insertInto('mail_settings')
    .values({ organization_id: organizationId, ...values })
    .onConflict((oc) => oc.column('organization_id').doUpdateSet(values))
    .execute();
}
