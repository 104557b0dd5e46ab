import { EventEmitter } from 'node:events';
import type { Clock } from '../core/clock';
import type { Db } from '../db/database';
import type { MailRuntime } from '../mail/service';
import type { SyncRuntime } from '../sync/service';
import type { BackupRuntime } from './backup';
import type { StoreRuntime } from './org-transfer-store';
import type { Notifier, ServiceDeps } from './deps';
import { PortalSettingsStore, type PortalSettings } from './portal-settings';
import { AttackNotices } from './attack-notice';
import { GuessLimiter } from './guesses';
import { SessionStore } from './sessions';

/** Everything the router needs, built once per process by the Electron entry or the web-mode entry. */
export interface Services {
  deps: ServiceDeps;
  sessions: SessionStore;
  /** Mails an Owner whose password is being guessed (tests await its settled()). */
  attackNotices: AttackNotices;
  /**
   * 'members-changed' when something changed outside the admin's own calls (an invitee acted, or in
   * team mode another process committed a change: then its argument is { remote });
   * 'directory-changed' after a member, role or sub-account command committed. Both wake the sync sender.
   * 'committed' after any command committed (argument { organizationId }, null for sign-in and the
   * like); it and 'members-changed' wake the mail sender.
   * 'background-changed' (argument { organizationId, remote? }) when rows changed without a command
   * (the expiry sweep, mail and sync outcomes, here or on another process): screens refresh, no
   * sender wakes.
   */
  events: EventEmitter;
  /** Mail settings, outbox sender (absent in tests that capture mail instead). */
  mail?: MailRuntime;
  /** SCIM sync: settings and the sync sender (absent in tests that do not sync). */
  sync?: SyncRuntime;
  /** Backups of the SQLite store (set by the runtime, and by tests that back up). */
  backup?: BackupRuntime;
  /** Which store is in use, and the install Owner's move to PostgreSQL (set by the runtime). */
  store?: StoreRuntime;
  /** Where the invitee pages listen and what links start with (settings of the install). */
  portal: PortalSettingsStore;
  /** The desktop app's invitee pages server (absent in web mode, where they run beside the console). */
  portalHost?: { apply(next: PortalSettings): Promise<void> };
}

export function createServices(opts: { db: Db; clock: Clock; publicBaseUrl: () => string; notifier?: Notifier; mail?: MailRuntime; sync?: SyncRuntime; authzGeneration?: () => string }): Services {
  const portal = new PortalSettingsStore(opts.db);
  // A link's base comes from settings (or the environment), never from a request.
  const publicBaseUrl = () => process.env.ROSTER_PUBLIC_URL ?? portal.current.publicBaseUrl ?? opts.publicBaseUrl();
  const guesses = new GuessLimiter(opts.db, () => opts.clock.now().getTime());
  const deps: ServiceDeps = { db: opts.db, clock: opts.clock, publicBaseUrl, notifier: opts.notifier, guesses, authzGeneration: opts.authzGeneration };
  if (opts.mail) deps.outbox = { envFromAddress: opts.mail.config.env?.fromAddress ?? null };
  const attackNotices = new AttackNotices(deps);
  guesses.onPersonSlowed = (person) => {
    // Only sign-in addresses, not namespaced keys such as phone codes ("code:<member>").
    if (person.includes('@') && !person.includes(':')) attackNotices.notify(person);
  };
  const events = new EventEmitter();
  events.setMaxListeners(100);
  // A committed change is pushed at once; the sender's poll stays the fallback.
  const wakeSync = () => opts.sync?.sender.kick();
  events.on('directory-changed', wakeSync);
  events.on('members-changed', wakeSync);
  // The notifier wakes the mail sender as soon as it writes a row, which on PostgreSQL can be before
  // the commit; these wake it again once the command's transaction has surely committed.
  const wakeMail = () => opts.mail?.sender.kick();
  events.on('committed', wakeMail);
  events.on('members-changed', wakeMail);
  attackNotices.onQueued = wakeMail;
  const sessions = new SessionStore(deps);
  deps.passwordChanged = (personId) => sessions.revokePerson(personId);
  return { deps, sessions, attackNotices, events, mail: opts.mail, sync: opts.sync, portal };
}
