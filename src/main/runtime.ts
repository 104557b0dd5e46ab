import { homedir } from 'node:os';
import { join } from 'node:path';
import { AdjustableClock, systemClock, type Clock } from './core/clock';
import { DATABASE_FILE, openStore, type OpenedStore } from './db/connect';
import { expireDue } from './services/members';
import type { LinkIssued } from './services/deps';
import { createServices, type Services } from './services';

/** The same folder Electron's app.getPath('userData') gives for "Roster", so both modes share one store. */
export function defaultDataDir(): string {
  if (process.env.ROSTER_DATA_DIR) return process.env.ROSTER_DATA_DIR;
  switch (process.platform) {
    case 'win32':
      return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Roster');
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'Roster');
    default:
      return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Roster');
  }
}

export interface Runtime {
  store: OpenedStore;
  services: Services;
  /** Only under NODE_ENV=test: lets end-to-end tests move time. */
  testClock: AdjustableClock | null;
  /** Only under NODE_ENV=test: every link issued, so browser tests can follow them without mail. */
  testLinks: LinkIssued[] | null;
  stop(): Promise<void>;
}

/** Opens the store and builds the services; shared by the Electron entry and web mode. */
export async function startRuntime(opts: { dataDir: string; publicBaseUrl: () => string; clock?: Clock }): Promise<Runtime> {
  const store = await openStore(join(opts.dataDir, DATABASE_FILE));
  const testClock = process.env.NODE_ENV === 'test' ? new AdjustableClock() : null;
  const clock = opts.clock ?? testClock ?? systemClock;
  const testLinks: LinkIssued[] | null = process.env.NODE_ENV === 'test' ? [] : null;
  const services = createServices({
    db: store.db,
    clock,
    publicBaseUrl: opts.publicBaseUrl,
    notifier: testLinks ? { linksIssued: async (_trx, events) => void testLinks.push(...events) } : undefined,
  });
  // Invitations expire on their own; a sweep each minute keeps the tables right while nobody looks.
  const sweep = setInterval(() => void expireDue(services.deps).catch(() => undefined), 60_000);
  sweep.unref();
  return {
    store,
    services,
    testClock,
    testLinks,
    stop: async () => {
      clearInterval(sweep);
      await store.close();
    },
  };
}
