import type { Insertable, Selectable, Updateable } from 'kysely';

export type MailSecurity = 'none' | 'starttls' | 'tls';

/** An organization's SMTP server. `password_enc` is a SecretBox ciphertext, never sent to the renderer. */
export interface MailSettingsTable {
  organization_id: number;
  host: string;
  port: number;
  security: MailSecurity;
  username: string | null;
  password_enc: string | null;
  from_name: string | null;
  from_address: string;
  updated_at: string;
}
export type MailSettingsRow = Selectable<MailSettingsTable>;
export type NewMailSettings = Insertable<MailSettingsTable>;
export type MailSettingsUpdate = Updateable<MailSettingsTable>;
