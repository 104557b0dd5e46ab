import { homedir } from 'node:os';
import { join } from 'node:path';
import { AdjustableClock, systemClock, type Clock } from './core/clock';
import { DATABASE_FILE, openStore, type OpenedStore } from './db/connect';
import { expireDue } from './services/members';
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
  stop(): Promise<void>;
}

/** Opens the store and builds the services; shared by the Electron entry and web mode. */
export async function startRuntime(opts: { dataDir: string; publicBaseUrl: () => string; clock?: Clock }): Promise<Runtime> {
  const store = await openStore(join(opts.dataDir, DATABASE_FILE));
  const testClock = process.env.NODE_ENV === 'test' ? new AdjustableClock() : null;
  const clock = opts.clock ?? testClock ?? systemClock;
  const services = createServices({ db: store.db, clock, publicBaseUrl: opts.publicBaseUrl });
  // Invitations expire on their own; a sweep each minute keeps the tables right while nobody looks.
  const sweep = setInterval(() => void expireDue(services.deps).catch(() => undefined), 60_000);
  sweep.unref();
  return {
    store,
    services,
    testClock,
    stop: async () => {
      clearInterval(sweep);
      await store.close();
    },
  };
}
