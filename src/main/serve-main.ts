import type { CompileCache } from './compile-cache';
import { DataFolderNotWritable, notWritableMessage } from './core/data-folder';
import { DataFolderLocked, lockDataFolder } from './data-lock';
import { createWebServer } from './http/web-server';
import { startRuntime } from './runtime';

/** The exit code that asks scripts/start.mjs to start web mode again (after a change of store). */
const RESTART_EXIT_CODE = 75;

/** Web mode once its entry (serve.ts) parsed the arguments and turned on the compile cache. */
export async function serve(opts: { port: number; dataDir: string; rendererDir: string; databaseUrl: string | null }, compileCache: CompileCache): Promise<void> {
  try {
    await main(opts, compileCache);
  } catch (e) {
    failed(e);
  }
}

async function main({ port, dataDir, rendererDir, databaseUrl }: Parameters<typeof serve>[0], compileCache: CompileCache): Promise<void> {
  // One process per data folder: a second one says which process holds it and exits.
  lockDataFolder(dataDir);
  let base = '';
  // Under `npm start` (scripts/start.mjs, an IPC channel) Roster can restart itself after a change of store:
  // it closes everything, tells the supervisor its port, and exits; the supervisor starts it again there.
  const supervised = typeof process.send === 'function';
  let boundPort = port;
  const restart = () => {
    server.close();
    server.closeAllConnections();
    void runtime.stop().then(() => process.send!({ type: 'restart', port: boundPort }, () => process.exit(RESTART_EXIT_CODE)));
  };
  const runtime = await startRuntime({
    dataDir,
    databaseUrl,
    deferBackground: true,
    publicBaseUrl: () => process.env.ROSTER_PUBLIC_URL ?? base,
    restart: supervised ? restart : null,
  });
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
    // Once it answers: the senders' first drain and a due backup, then (first start after a build) the compiled chunks' cache.
    runtime.startBackground();
    compileCache.flush();
  });
  const stop = () => {
    server.close();
    void runtime.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function failed(e: unknown): never {
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
}
