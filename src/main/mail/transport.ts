import { createRequire } from 'node:module';
import type * as Nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { MailSecurity } from '../db/tables/mail_settings.table';

/** A complete, decrypted SMTP configuration (never leaves the main process). */
export interface SmtpConfig {
  host: string;
  port: number;
  security: MailSecurity;
  username: string | null;
  password: string | null;
  fromName: string | null;
  fromAddress: string;
}

/** ROSTER_SMTP_URL (smtp://user:pass@host:port, smtps:// for TLS, ?starttls=true to require STARTTLS) + ROSTER_MAIL_FROM. */
export function parseSmtpUrl(url: string, from: string | undefined): SmtpConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`ROSTER_SMTP_URL is not a URL; write it as smtp://user:password@host:port.`);
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error(`ROSTER_SMTP_URL must start with smtp:// or smtps://, not ${u.protocol}//.`);
  const security: MailSecurity = u.protocol === 'smtps:' ? 'tls' : u.searchParams.get('starttls') === 'true' ? 'starttls' : 'none';
  const port = u.port ? Number(u.port) : security === 'tls' ? 465 : 587;
  const decoded = (part: string, what: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new Error(`ROSTER_SMTP_URL: the ${what} has a broken % escape; write a literal % as %25.`);
    }
  };
  const username = u.username ? decoded(u.username, 'user name') : null;
  const fromRaw = (from ?? '').trim() || (username?.includes('@') ? username : `roster@${u.hostname || 'localhost'}`);
  const m = /^(.*)<([^>]+)>\s*$/.exec(fromRaw);
  return {
    host: u.hostname,
    port,
    security,
    username,
    password: u.password ? decoded(u.password, 'password') : null,
    fromName: m ? m[1]!.trim().replace(/^"|"$/g, '') || null : null,
    fromAddress: m ? m[2]!.trim() : fromRaw,
  };
}

export interface TransportOptions {
  pool?: boolean;
  maxConnections?: number;
  maxMessages?: number;
  /** Tests against a loopback server with a self-signed certificate. */
  allowSelfSigned?: boolean;
}

export function createSmtpTransport(config: SmtpConfig, opts: TransportOptions = {}): Transporter {
  const pool = opts.pool ?? true;
  const options: SMTPPool.Options = {
    pool: pool as true,
    host: config.host,
    port: config.port,
    secure: config.security === 'tls',
    requireTLS: config.security === 'starttls',
    ignoreTLS: config.security === 'none',
    auth: config.username ? { user: config.username, pass: config.password ?? '' } : undefined,
    maxConnections: opts.maxConnections ?? 5,
    // No cap on messages per connection: reconnecting every 100 mails cost a handshake each time. A
    // server that closes the connection anyway fails the mail with a retryable error.
    maxMessages: opts.maxMessages ?? Infinity,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    tls: opts.allowSelfSigned ? { rejectUnauthorized: false } : undefined,
  };
  // nodemailer is loaded when the first transport is made, not at start-up (it is a tenth of the start path).
  const nodemailer = createRequire(__filename)('nodemailer') as typeof Nodemailer;
  return nodemailer.createTransport(options);
}

export function formatFrom(config: SmtpConfig): { name: string; address: string } | string {
  return config.fromName ? { name: config.fromName, address: config.fromAddress } : config.fromAddress;
}

export type FailureKind = 'retry' | 'permanent';

export interface ClassifiedFailure {
  kind: FailureKind;
  /** What went wrong and what to fix, in words an admin can act on. */
  reason: string;
}

interface SmtpErrorLike {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
  command?: string;
}

/** Network errors and 4xx replies are worth retrying; 5xx replies are final. */
export function classifySmtpError(e: unknown, config?: Pick<SmtpConfig, 'host' | 'port'>): ClassifiedFailure {
  const err = (e ?? {}) as SmtpErrorLike;
  const where = config ? `${config.host}:${config.port}` : 'the SMTP server';
  const reply = err.response ? err.response.replace(/\s+/g, ' ').trim() : err.message ?? String(e);
  if (err.code === 'EAUTH' || (err.responseCode === 535 || err.responseCode === 534)) {
    return { kind: 'permanent', reason: `Authentication refused by ${where}: check the user name and password (${reply}).` };
  }
  if (err.code === 'ETLS' || /tls|ssl|certificate|wrong version number/i.test(err.message ?? '')) {
    return { kind: 'permanent', reason: `TLS failed with ${where}: check the security setting (TLS on port 465, STARTTLS on 587) and the server certificate (${err.message ?? reply}).` };
  }
  if (typeof err.responseCode === 'number') {
    if (err.responseCode >= 500) return { kind: 'permanent', reason: `Refused by ${where} (${reply}).` };
    if (err.responseCode >= 400) return { kind: 'retry', reason: `Temporarily refused by ${where} (${reply}); Roster will try again.` };
  }
  if (err.code === 'ECONNECTION' || err.code === 'ETIMEDOUT' || err.code === 'ESOCKET' || err.code === 'EDNS' || /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET/.test(err.message ?? '')) {
    return { kind: 'retry', reason: `Cannot reach ${where}: check the host and port and that the server is running (${err.message ?? reply}).` };
  }
  return { kind: 'retry', reason: `Sending through ${where} failed (${err.message ?? reply}).` };
}
