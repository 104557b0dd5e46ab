import { join } from 'node:path';
import type { Clock } from '../core/clock';
import type { Db } from '../db/database';
import { MailConfigResolver } from './config';
import { OutboxNotifier } from './notifier';
import { MailSender, type SenderOptions } from './sender';
import type { SecretBox } from './secrets';
import { SENT_JOURNAL, SentJournal } from './sent-journal';
import type { MailRuntime } from './service';
import type { SmtpConfig } from './transport';

export interface MailWiring extends MailRuntime {
  notifier: OutboxNotifier;
}

/** Builds the outbox notifier, the configuration resolver and the sender (not started). */
export function createMail(opts: { db: Db; clock: Clock; secrets: SecretBox; env: SmtpConfig | null; sender?: Partial<SenderOptions>; dataDir?: string }): MailWiring {
  const config = new MailConfigResolver(opts.db, opts.secrets, opts.env);
  const notifier = new OutboxNotifier(opts.clock, config);
  // The sent journal lives in the data folder, which one process holds at a time (data-lock.ts).
  const journal = opts.dataDir ? new SentJournal(join(opts.dataDir, SENT_JOURNAL)) : null;
  const sender = new MailSender({ db: opts.db, clock: opts.clock, config, journal, ...opts.sender });
  notifier.onQueued = () => sender.kick();
  return { config, notifier, sender, transport: opts.sender?.transport };
}
