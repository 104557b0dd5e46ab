import type { DbOrTx } from '../database';
import type { MailTemplateRow } from '../tables/mail_template.table';

/** The organizations' own templates (custom = 1), for rendering mail. */
export async function customMailTemplates(db: DbOrTx, organizationIds: number[]): Promise<MailTemplateRow[]> {
  if (organizationIds.length === 0) return [];
  return db.selectFrom('mail_template').selectAll().where('organization_id', 'in', organizationIds).where('custom', '=', 1).execute();
}

/** Every stored row of one organization (reset ones included, for their version). */
export async function mailTemplatesOf(db: DbOrTx, organizationId: number): Promise<MailTemplateRow[]> {
  return db.selectFrom('mail_template').selectAll().where('organization_id', '=', organizationId).orderBy('kind').execute();
}

export async function findMailTemplate(db: DbOrTx, organizationId: number, kind: string): Promise<MailTemplateRow | undefined> {
  return db.selectFrom('mail_template').selectAll().where('organization_id', '=', organizationId).where('kind', '=', kind).executeTakeFirst();
}

export async function insertMailTemplate(db: DbOrTx, row: { organization_id: number; kind: string; subject: string; body: string; custom: number; updated_at: string }): Promise<void> {
  await db.insertInto('mail_template').values({ ...row, version: 1 }).execute();
}

/** Saves over version `expected` and bumps it; false when the stored row has another version. */
export async function updateMailTemplate(
  db: DbOrTx,
  organizationId: number,
  kind: string,
  expected: number,
  values: { subject: string; body: string; custom: number; updated_at: string },
): Promise<boolean> {
  const r = await db
    .updateTable('mail_template')
    .set((eb) => ({ ...values, version: eb('version', '+', 1) }))
    .where('organization_id', '=', organizationId)
    .where('kind', '=', kind)
    .where('version', '=', expected)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
