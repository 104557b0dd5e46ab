import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataFolderNotWritable, notWritableMessage } from './core/data-folder';
import { DataFolderLocked, lockDataFolder } from './data-lock';
import { createWebServer } from './http/web-server';
import { defaultDataDir, startRuntime } from './runtime';

/**
 * Web mode: `node out/main/serve.js --port P --data-dir D [--database-url postgres://…]`, loopback only.
 * --database-url (or ROSTER_DATABASE_URL) puts the directory in a shared PostgreSQL database (team mode).
 */
/** The exit code that asks scripts/start.mjs to start web mode again (after a change of store). */
const RESTART_EXIT_CODE = 75;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, renderer: { type: 'string' } },
    allowPositionals: false,
  });
  const port = Number(values.port ?? process.env.ROSTER_PORT ?? 8450);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a number from 0 to 65535, not "${values.port}".`);
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  const rendererDir = resolve(values.renderer ?? resolve(__dirname, '../renderer'));
  // One process per data folder: a second one says which process holds it and exits.
  lockDataFolder(dataDir);
  let base = '';
  // Then ROSTER_DATABASE_URL, then the choice Settings recorded (db/store-choice.ts).
  const databaseUrl = values['database-url'] ?? null;
  // Under `npm start` (scripts/start.mjs, an IPC channel) Roster can restart itself after a change of store:
  // it closes everything, tells the supervisor its port, and exits; the supervisor starts it again there.
  const supervised = typeof process.send === 'function';
  const restart = () => {
    server.close();
    server.closeAllConnections();
    void runtime.stop().then(() => process.send!({ type: 'restart', port: boundPort }, () => process.exit(RESTART_EXIT_CODE)));
  };
  let boundPort = port;
  const runtime = await startRuntime({ dataDir, databaseUrl, publicBaseUrl: () => process.env.ROSTER_PUBLIC_URL ?? base, restart: supervised ? restart : null });
  const server = createWebServer({ runtime, rendererDir, port });
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    const actual = address && typeof address === 'object' ? address.port : port;
    boundPort = actual;
    base = `http://127.0.0.1:${actual}`;
    console.log(`Roster listening on ${base}`);
    console.log(`Data folder: ${dataDir}`);
    const store = runtime.services.store?.info();
    console.log(
      store?.kind === 'postgres'
        ? `Directory: PostgreSQL ${store.user}@${store.host}:${store.port}/${store.database}${store.source === 'settings' ? ' (chosen in Settings: store.json)' : ''}`
        : 'Directory: this computer only (SQLite in the data folder)',
    );
  });
  const stop = () => {
    server.close();
    void runtime.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  if (e instanceof DataFolderLocked) {
    console.error(`Roster is already running on this folder (pid ${e.pid}).`);
    console.error(`Data folder: ${e.dataDir}`);
    process.exit(3);
  }
  if (e instanceof DataFolderNotWritable) {
    // Exits before anything is written to the folder: which path, why, what to do.
    console.error(notWritableMessage(e, '--data-dir'));
    process.exit(4);
  }
  console.error(`Roster could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
