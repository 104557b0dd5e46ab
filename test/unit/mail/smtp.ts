import { AdjustableClock } from '../../../src/main/core/clock';
import type { OpenedStore } from '../../../src/main/db/connect';
import { createMail, type MailWiring } from '../../../src/main/mail';
import type { SenderOptions } from '../../../src/main/mail/sender';
import { fileSecretBox } from '../../../src/main/mail/secrets';
import type { SmtpConfig } from '../../../src/main/mail/transport';
import { createServices, type Services } from '../../../src/main/services';
import { BASE_URL, callers, openTestStore, OWNER_EMAIL, PASSWORD, type Caller } from '../helpers';
import { startSmtp, type TestSmtp } from '../../support/smtp';

export { decodeQuotedPrintable, linkIn, smtpError, startSmtp, type ReceivedMail, type TestSmtp } from '../../support/smtp';


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
  const { dir, store, clock, remove } = await openTestStore('roster-mail-');
  const secrets = fileSecretBox(dir);
  // The data folder's sent journal, as the app's (a sender option `journal: null` goes without).
  const mail = createMail({ db: store.db, clock, secrets, env, sender: { pollMs: 60_000, ...sender }, dataDir: dir });
  const services = createServices({ db: store.db, clock, publicBaseUrl: () => BASE_URL, notifier: mail.notifier, mail });
  const senders = [mail.sender];
  return {
    dir,
    store,
    clock,
    services,
    mail,
    caller: callers(services),
    newSender: (opts = {}) => {
      const again = createMail({ db: store.db, clock, secrets, env, sender: { pollMs: 60_000, ...sender, ...opts }, dataDir: dir }).sender;
      senders.push(again);
      return again;
    },
    close: async () => {
      for (const s of senders) await s.stop();
      await remove();
    },
  };
}


/**
 * For a test file: each test opens an SMTP server and a mail store through `open`, and both are
 * closed after it, whatever the outcome.
 */
export function mailTestLifecycle(afterEach: (fn: () => Promise<void>) => void) {
  let env: MailEnv | undefined;
  let smtp: TestSmtp | undefined;
  afterEach(async () => {
    await env?.close();
    await smtp?.close().catch(() => undefined);
    env = undefined;
    smtp = undefined;
  });
  return async (smtpOptions: Parameters<typeof startSmtp>[0], envFor: (smtp: TestSmtp) => Promise<MailEnv>) => {
    const server = await startSmtp(smtpOptions);
    smtp = server;
    const store = await envFor(server);
    env = store;
    return { env: store, smtp: server };
  };
}

/** An SMTP server, a mail store whose sender the test drives, and its registered Owner with the Admin role's id. */
export async function ownerWithMail(
  open: ReturnType<typeof mailTestLifecycle>,
  sender: Partial<SenderOptions> = {},
): Promise<{ env: MailEnv; smtp: TestSmtp; owner: Caller; roleId: number }> {
  const { env, smtp } = await open({}, (server) => createMailEnv(smtpConfig(server), sender));
  const owner = env.caller();
  await owner.auth.register({ organizationName: 'Acme & Sons', email: OWNER_EMAIL, password: PASSWORD });
  const roles = await owner.roles.list();
  return { env, smtp, owner, roleId: roles.find((r) => r.name === 'Admin')!.id };
}

/** The outbox's rows, oldest first. */
export function outboxRows(e: MailEnv) {
  return e.store.db.selectFrom('mail_outbox').selectAll().orderBy('id').execute();
}
