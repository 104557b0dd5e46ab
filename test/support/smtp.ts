import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';

/** A real SMTP server on loopback for tests: records every accepted mail; hooks inject faults. */

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
  /** Resolves once `count` mails came; rejects after `ms` (40 s), naming the ones that did. */
  waitFor(count: number, ms?: number): Promise<void>;
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
    // A deadline under the tests' own: a mail that never comes fails with what did come, not a bare timeout.
    waitFor: (count, ms = 40_000) =>
      new Promise<void>((resolve, reject) => {
        if (state.received.length >= count) return resolve();
        const timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${count} mails; ${state.received.length} came: ${state.received.map((m) => m.to.join(',')).join(' ')}`)), ms);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      }),
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
      // A client killed mid-session (the soak's SIGKILL) resets its connection: not the server's failure.
      let listening = false;
      server.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNRESET' || e.code === 'EPIPE') return;
        if (!listening) return reject(e);
        throw e;
      });
      server.listen(p, '127.0.0.1', () => {
        listening = true;
        const addr = server.server.address();
        port = addr && typeof addr === 'object' ? addr.port : p;
        state.port = port;
        resolve();
      });
    });
  await listen(0);
  return state;
}

/** The first link to Roster in a received mail. */
export function linkIn(mail: ReceivedMail): string {
  const m = /https?:\/\/[^\s"<>]+?\/(?:invite|reactivate|reset)\/[A-Za-z0-9_-]{43}/.exec(mail.decoded);
  if (!m) throw new Error(`No link in the mail to ${mail.to.join(', ')}`);
  return m[0];
}
