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
import type { TestSmtp } from '../../support/smtp';

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

