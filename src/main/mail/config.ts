import type { DbOrTx } from '../db/database';
import { findMailSettings, organizationsWithMailSettings } from '../db/repos/mail-settings.repo';
import type { MailSettingsRow } from '../db/tables/mail_settings.table';
import type { SecretBox } from './secrets';
import type { SmtpConfig } from './transport';

/**
 * Where each organization's SMTP configuration comes from: its own settings (Mail page), else the
 * installation's ROSTER_SMTP_URL / ROSTER_MAIL_FROM read at start.
 */
export class MailConfigResolver {
  constructor(
    private readonly db: DbOrTx,
    private readonly secrets: SecretBox,
    readonly env: SmtpConfig | null,
  ) {}

  async settingsRow(organizationId: number, db: DbOrTx = this.db): Promise<MailSettingsRow | undefined> {
    return findMailSettings(db, organizationId);
  }

  fromRow(row: MailSettingsRow): SmtpConfig {
    return {
      host: row.host,
      port: row.port,
      security: row.security,
      username: row.username,
      password: row.password_enc ? this.secrets.decrypt(row.password_enc) : null,
      fromName: row.from_name,
      fromAddress: row.from_address,
    };
  }

  async configFor(organizationId: number, db: DbOrTx = this.db): Promise<SmtpConfig | null> {
    const row = await this.settingsRow(organizationId, db);
    return row ? this.fromRow(row) : this.env;
  }

  /** The organizations whose mail can be sent now: 'all' when the environment configures a server. */
  async configuredOrganizations(): Promise<'all' | number[]> {
    if (this.env) return 'all';
    return organizationsWithMailSettings(this.db);
  }

  encrypt(password: string): string {
    return this.secrets.encrypt(password);
  }
}
