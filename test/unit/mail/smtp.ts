import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContextInner, memoryCarrier } from '../../../src/main/api/context';
import { createCaller } from '../../../src/main/api/router';
import { AdjustableClock } from '../../../src/main/core/clock';
import { openStore, type OpenedStore } from '../../../src/main/db/connect';
import { createMail, type MailWiring } from '../../../src/main/mail';
import type { SenderOptions } from '../../../src/main/mail/outbox';
import { fileSecretBox } from '../../../src/main/mail/secrets';
import type { SmtpConfig } from '../../../src/main/mail/transport';
import { createServices, type Services } from '../../../src/main/services';
import { BASE_URL, type Caller } from '../helpers';

export interface ReceivedMail {
  from: string | null;
  to: string[];
  raw: string;
  subject: string;
  messageId: string;
  /** The raw message with quoted-printable undone, to find links in. */
  decoded: string;
}

/** A hook's verdict: undefined accepts; an Error (with responseCode) refuses; 'hold' never answers. */
type Verdict = Error | undefined | 'hold';

export interface TestSmtp {
  port: number;
  received: ReceivedMail[];
  onRcptTo: ((address: SMTPServerAddress, session: SMTPServerSession) => Verdict) | null;
  onData: ((mail: ReceivedMail) => Verdict) | null;
  /** Resolves when `count` mails have been accepted. */
  waitFor(count: number): Promise<void>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head);
  return m ? m[1]!.trim() : '';
}

export function decodeQuotedPrintable(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** An SMTP server on loopback (port 0), optionally requiring a user and password. */
export async function startSmtp(opts: { auth?: { user: string; pass: string } } = {}): Promise<TestSmtp> {
  const waiters: { count: number; resolve: () => void }[] = [];
  let port = 0;
  const state: TestSmtp = {
    port: 0,
    received: [],
    onRcptTo: null,
    onData: null,
    waitFor: (count) => new Promise<void>((resolve) => (state.received.length >= count ? resolve() : waiters.push({ count, resolve }))),
    down: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    up: async () => {
      server = make();
      await listen(port);
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const make = () =>
    new SMTPServer({
      logger: false,
      closeTimeout: 200,
      disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !opts.auth,
      allowInsecureAuth: true,
      onAuth(auth, _session, cb) {
        if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) cb(null, { user: auth.username });
        else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onRcptTo(address, session, cb) {
        const v = state.onRcptTo?.(address, session);
        if (v === 'hold') return;
        cb(v ?? null);
      },
      onData(stream, session, cb) {
        const parts: Buffer[] = [];
        stream.on('data', (c: Buffer) => parts.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(parts).toString('utf8');
          const mail: ReceivedMail = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            subject: header(raw, 'Subject'),
            messageId: header(raw, 'Message-ID'),
            decoded: decodeQuotedPrintable(raw),
          };
          const v = state.onData?.(mail);
          if (v === 'hold') return;
          if (v) return cb(v);
          state.received.push(mail);
          for (const w of [...waiters]) if (state.received.length >= w.count) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
          cb(null);
        });
      },
    });
  let server = make();
  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        const addr = server.server.address();
        port = addr && typeof addr === 'object' ? addr.port : p;
        state.port = port;
        resolve();
      });
    });
  await listen(0);
  return state;
}

export function smtpConfig(smtp: TestSmtp, extra: Partial<SmtpConfig> = {}): SmtpConfig {
  return { host: '127.0.0.1', port: smtp.port, security: 'none', username: null, password: null, fromName: 'Acme Roster', fromAddress: 'roster@acme.test', ...extra };
}

export interface MailEnv {
  dir: string;
  store: OpenedStore;
  clock: AdjustableClock;
  services: Services;
  mail: MailWiring;
  caller(): Caller;
  /** A second sender on the same store, as after a restart. */
  newSender(opts?: Partial<SenderOptions>): MailWiring['sender'];
  close(): Promise<void>;
}

/** A store with the real outbox notifier and a sender that the test drives (not started). */
export async function createMailEnv(env: SmtpConfig | null, sender: Partial<SenderOptions> = {}): Promise<MailEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-mail-'));
  const store = await openStore(join(dir, 'roster.sqlite'));
  const clock = new AdjustableClock();
  const secrets = fileSecretBox(dir);
  const mail = createMail({ db: store.db, clock, secrets, env, sender: { pollMs: 60_000, ...sender } });
  const services = createServices({ db: store.db, clock, publicBaseUrl: () => BASE_URL, notifier: mail.notifier, mail });
  const senders = [mail.sender];
  return {
    dir,
    store,
    clock,
    services,
    mail,
    caller: () => createCaller(createContextInner({ services, sessionCarrier: memoryCarrier() })),
    newSender: (opts = {}) => {
      const again = createMail({ db: store.db, clock, secrets, env, sender: { pollMs: 60_000, ...sender, ...opts } }).sender;
      senders.push(again);
      return again;
    },
    close: async () => {
      for (const s of senders) await s.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The first link to Roster in a received mail. */
export function linkIn(mail: ReceivedMail): string {
  const m = /http:\/\/127\.0\.0\.1:8450\/(?:invite|reactivate|reset)\/[A-Za-z0-9_-]{43}/.exec(mail.decoded);
  if (!m) throw new Error(`No link in the mail to ${mail.to.join(', ')}`);
  return m[0];
}
