import type { DbOrTx } from '../database';

/** Install-wide settings, one JSON value per key. */
export async function readInstallSetting(db: DbOrTx, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('install_setting').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

export async function writeInstallSetting(db: DbOrTx, key: string, value: string): Promise<void> {
  await db
    .insertInto('install_setting')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
