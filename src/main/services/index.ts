import { EventEmitter } from 'node:events';
import type { Clock } from '../core/clock';
import type { Db } from '../db/database';
import type { MailRuntime } from '../mail/service';
import type { Notifier, ServiceDeps } from './deps';
import { SessionStore } from './sessions';

/** Everything the router needs, built once per process by the Electron entry or the web-mode entry. */
export interface Services {
  deps: ServiceDeps;
  sessions: SessionStore;
  /** 'members-changed' when something changed outside the admin's own calls (an invitee acted). */
  events: EventEmitter;
  /** Mail settings, outbox sender (absent in tests that capture mail instead). */
  mail?: MailRuntime;
}

export function createServices(opts: { db: Db; clock: Clock; publicBaseUrl: () => string; notifier?: Notifier; mail?: MailRuntime }): Services {
  const deps: ServiceDeps = { db: opts.db, clock: opts.clock, publicBaseUrl: opts.publicBaseUrl, notifier: opts.notifier };
  const events = new EventEmitter();
  events.setMaxListeners(100);
  return { deps, sessions: new SessionStore(deps), events, mail: opts.mail };
}
