import { Readable } from 'node:stream';
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

/**
 * What nodemailer's SMTP transports (pool or single connection) read of a mail: its envelope, its
 * Message-ID (for their logs and the pool's bookkeeping) and a stream of the message, made again if
 * the pool moves the mail to another connection. Mailer.sendMail builds this through a MailComposer,
 * a MIME tree and a stream pipeline per mail even for a raw message: a third of a drain's CPU.
 */
interface RawMail {
  data: Record<string, never>;
  message: {
    getEnvelope(): { from: string | false; to: string[] };
    messageId(): string;
    getHeader(name: string): string | undefined;
    createReadStream(): Readable;
  };
}

interface RawTransport {
  send(mail: RawMail, callback: (err: Error | null) => void): unknown;
}

/** A readable stream of one buffer (the whole message), read once. */
class OneChunk extends Readable {
  constructor(private readonly chunk: Buffer) {
    super();
  }
  override _read(): void {
    this.push(this.chunk);
    this.push(null);
  }
}

/**
 * Hands a message built whole (compose.ts) to the transporter's SMTP transport, as Mailer.sendMail
 * would with `raw` and `envelope` (no plugins, no file or URL access: there is nothing to fetch).
 */
export function sendRaw(transporter: Transporter, envelope: { from: string | false; to: string[] }, raw: string, messageId: string): Promise<void> {
  const chunk = Buffer.from(raw, 'utf-8');
  const mail: RawMail = {
    data: {},
    message: {
      // The connection writes on the envelope it gets (rcptQueue…): a fresh one for each attempt.
      getEnvelope: () => ({ from: envelope.from, to: [...envelope.to] }),
      messageId: () => messageId,
      getHeader: (name) => (name.toLowerCase() === 'message-id' ? messageId : undefined),
      createReadStream: () => new OneChunk(chunk),
    },
  };
  return new Promise<void>((resolve, reject) => {
    (transporter.transporter as unknown as RawTransport).send(mail, (err) => (err ? reject(err) : resolve()));
  });
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
