import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { enableCompileCache } from './compile-cache';
import { defaultDataDir } from './data-dir';
import { publicBaseUrl } from './core/hosts';

/**
 * Web mode: `node out/main/serve.js --port P --data-dir D [--database-url postgres://…]`, loopback only.
 * --database-url (or ROSTER_DATABASE_URL) puts the directory in a shared PostgreSQL database (team mode).
 *
 * This entry stays small: it reads the arguments, turns on the compile cache in the data folder
 * (compile-cache.ts), then loads the rest (serve-main.ts and the bundle's chunks) through it.
 */
let options: { port: number; dataDir: string; rendererDir: string; databaseUrl: string | null };
try {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, renderer: { type: 'string' } },
    allowPositionals: false,
  });
  const port = Number(values.port ?? process.env.ROSTER_PORT ?? 8450);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a number from 0 to 65535, not "${values.port}".`);
  // The start of every mailed link: checked by the same rule as Settings', and stored as that rule writes it.
  if (process.env.ROSTER_PUBLIC_URL) {
    const checked = publicBaseUrl(process.env.ROSTER_PUBLIC_URL);
    if ('problem' in checked) throw new Error(`ROSTER_PUBLIC_URL: ${checked.problem}`);
    process.env.ROSTER_PUBLIC_URL = checked.url;
  }
  options = {
    port,
    dataDir: resolve(values['data-dir'] ?? defaultDataDir()),
    rendererDir: resolve(values.renderer ?? resolve(__dirname, '../renderer')),
    // Then ROSTER_DATABASE_URL, then the choice Settings recorded (db/store-choice.ts).
    databaseUrl: values['database-url'] ?? null,
  };
} catch (e) {
  console.error(`Roster could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
const compileCache = enableCompileCache(__dirname, join(options.dataDir, 'cache', 'code'));
import('./serve-main').then(
  ({ serve }) => serve(options, compileCache),
  (e: unknown) => {
    console.error(`Roster could not start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
