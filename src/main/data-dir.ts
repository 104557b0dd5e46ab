import { homedir } from 'node:os';
import { join } from 'node:path';

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
