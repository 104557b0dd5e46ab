import type { Insertable, Selectable } from 'kysely';

/** A setting of this install (not of one organization), stored as JSON. */
export interface InstallSettingTable {
  key: string;
  value: string;
}
export type InstallSetting = Selectable<InstallSettingTable>;
export type NewInstallSetting = Insertable<InstallSettingTable>;
