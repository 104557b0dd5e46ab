import type { Transporter } from 'nodemailer';
import { createSmtpTransport, type SmtpConfig, type TransportOptions } from './transport';

/** One organization's pool; replaced when its configuration changes, closed once its last mail settles. */
export interface PoolEntry {
  key: string;
  config: SmtpConfig;
  transporter: Transporter;
  /** Claimed rows that will still send through this pool. */
  users: number;
  retired: boolean;
}

/** The sender's SMTP connection pools, one per organization and configuration. */
export class SmtpPools {
  private byOrganization = new Map<number, PoolEntry>();
  private open = new Set<PoolEntry>();

  constructor(private readonly transport?: TransportOptions) {}

  /** The organization's pool for this configuration, reserved for `uses` mails (each given back with release). */
  reserve(organizationId: number, config: SmtpConfig, uses: number): PoolEntry {
    const key = JSON.stringify(config);
    let entry = this.byOrganization.get(organizationId);
    if (!entry || entry.key !== key) {
      // The configuration changed: mails already handed to the old pool finish there.
      if (entry) this.retire(entry);
      entry = { key, config, transporter: createSmtpTransport(config, this.transport), users: 0, retired: false };
      this.byOrganization.set(organizationId, entry);
      this.open.add(entry);
    }
    entry.users += uses;
    return entry;
  }

  release(entry: PoolEntry): void {
    entry.users--;
    if (entry.retired && entry.users === 0) this.retire(entry);
  }

  closeAll(): void {
    for (const t of this.open) t.transporter.close();
    this.open.clear();
    this.byOrganization.clear();
  }

  private retire(entry: PoolEntry): void {
    entry.retired = true;
    if (entry.users === 0) {
      entry.transporter.close();
      this.open.delete(entry);
    }
  }
}
