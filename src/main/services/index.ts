import type { Clock } from '../core/clock';
import type { Db } from '../db/database';
import type { MailRuntime } from '../mail/service';
import type { Notifier, ServiceDeps } from './deps';
import { SessionStore } from './sessions';

/** Everything the router needs, built once per process by the Electron entry or the web-mode entry. */
export interface Services {
  deps: ServiceDeps;
  sessions: SessionStore;
  /** Mail settings, outbox sender (absent in tests that capture mail instead). */
  mail?: MailRuntime;
}

export function createServices(opts: { db: Db; clock: Clock; publicBaseUrl: () => string; notifier?: Notifier; mail?: MailRuntime }): Services {
  const deps: ServiceDeps = { db: opts.db, clock: opts.clock, publicBaseUrl: opts.publicBaseUrl, notifier: opts.notifier };
  return { deps, sessions: new SessionStore(deps), mail: opts.mail };
}
