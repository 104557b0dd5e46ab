import type { Clock } from '../core/clock';
import type { Db } from '../db/database';
import { MailConfigResolver } from './config';
import { OutboxNotifier } from './notifier';
import { MailSender, type SenderOptions } from './sender';
import type { SecretBox } from './secrets';
import type { MailRuntime } from './service';
import type { SmtpConfig } from './transport';

export interface MailWiring extends MailRuntime {
  notifier: OutboxNotifier;
}

/** Builds the outbox notifier, the configuration resolver and the sender (not started). */
export function createMail(opts: { db: Db; clock: Clock; secrets: SecretBox; env: SmtpConfig | null; sender?: Partial<SenderOptions> }): MailWiring {
  const config = new MailConfigResolver(opts.db, opts.secrets, opts.env);
  const notifier = new OutboxNotifier(opts.clock, config);
  const sender = new MailSender({ db: opts.db, clock: opts.clock, config, ...opts.sender });
  notifier.onQueued = () => sender.kick();
  return { config, notifier, sender, transport: opts.sender?.transport };
}
