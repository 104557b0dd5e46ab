import type { CompileCache } from './compile-cache';
import { DataFolderNotWritable, notWritableMessage } from './core/data-folder';
import { DataFolderLocked, lockDataFolder } from './data-lock';
import { createWebShell, type WebApp } from './http/web-shell';
import type { Runtime } from './runtime';
import { describeStore, openChosenStore } from './runtime-store';

/** The exit code that asks scripts/start.mjs to start web mode again (after a change of store). */
const RESTART_EXIT_CODE = 75;

/** After listening, the application loads once the first request was answered, or after this long if none came (then only the senders wait for it). */
const LOAD_APP_AFTER_MS = 500;

/** Web mode once its entry (serve.ts) parsed the arguments and turned on the compile cache. */
export async function serve(opts: { port: number; dataDir: string; rendererDir: string; databaseUrl: string | null }, compileCache: CompileCache): Promise<void> {
  try {
    await main(opts, compileCache);
  } catch (e) {
    failed(e);
  }
}

/**
 * Web mode starts in two steps. Before it listens: the data folder's lock and the store, opened
 * (a locked folder, an unwritable one or a refused database stop it there, as before). Once it
 * listens, the console's page and files answer at once (http/web-shell.ts), and the rest (services,
 * router, invitee pages, senders: runtime.ts and http/web-server.ts, their own chunks) loads right
 * after the first answer, or LOAD_APP_AFTER_MS after listening if no request came; any request
 * that needs it meanwhile waits for it. Loading it is synchronous work of ~100 ms: done before
 * the first answer, it doubled the time to the sign-in page (npm run bench -- startup).
 */
async function main({ port, dataDir, rendererDir, databaseUrl }: Parameters<typeof serve>[0], compileCache: CompileCache): Promise<void> {
  // One process per data folder: a second one says which process holds it and exits.
  lockDataFolder(dataDir);
  const opened = await openChosenStore(dataDir, databaseUrl);
  let base = '';
  // Under `npm start` (scripts/start.mjs, an IPC channel) Roster can restart itself after a change of store:
  // it closes everything, tells the supervisor its port, and exits; the supervisor starts it again there.
  const supervised = typeof process.send === 'function';
  let boundPort = port;
  let runtime: Promise<Runtime> | null = null;
  const restart = () => {
    server.close();
    server.closeAllConnections();
    void stopRuntime().then(() => process.send!({ type: 'restart', port: boundPort }, () => process.exit(RESTART_EXIT_CODE)));
  };
  const loadApp = async (): Promise<WebApp> => {
    // Each step is synchronous work of tens of ms: between them, requests already in (the page's
    // files) are answered.
    runtime = (async () => {
      const { startRuntime } = await import('./runtime');
      await nextTurn();
      return startRuntime({
        dataDir,
        databaseUrl,
        opened,
        deferBackground: true,
        publicBaseUrl: () => process.env.ROSTER_PUBLIC_URL ?? base,
        restart: supervised ? restart : null,
      });
    })();
    const started = await runtime;
    await nextTurn();
    const { createWebApp } = await import('./http/web-server');
    const app = createWebApp(started);
    // The senders' first drain and a due backup (not when stopping meanwhile), then (first start after a build) the compiled chunks' cache.
    if (!stopping) started.startBackground();
    compileCache.flush();
    return app;
  };
  // The store alone until the application is there; then the runtime closes it with everything else.
  const stopRuntime = (): Promise<void> => (runtime ? runtime.then((r) => r.stop()) : opened.store.close());
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  const warm = () => {
    clearTimeout(timer);
    if (!stopping) server.app().catch(failed);
  };
  const server = createWebShell({ rendererDir, port, app: loadApp, onFirstAnswer: () => setImmediate(warm) });
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    const actual = address && typeof address === 'object' ? address.port : port;
    boundPort = actual;
    base = `http://127.0.0.1:${actual}`;
    console.log(`Roster listening on ${base}`);
    console.log(`Data folder: ${dataDir}`);
    console.log(describeStore(opened));
    timer = setTimeout(warm, LOAD_APP_AFTER_MS);
    // What loaded so far (first start after a build); the application's chunks once it is there.
    compileCache.flush();
  });
  const stop = () => {
    stopping = true;
    clearTimeout(timer);
    server.close();
    void stopRuntime().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Lets the event loop answer what arrived meanwhile. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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
