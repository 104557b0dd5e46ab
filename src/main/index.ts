import { app, BrowserWindow, dialog } from 'electron';
import { join } from 'node:path';
import { DataFolderNotWritable, notWritableMessage } from './core/data-folder';
import { DataFolderLocked, lockDataFolder } from './data-lock';
import { registerTrpcBridge } from './electron/ipc';
import { createPortalHost } from './portal/server';
import { safeStorageSecretBox } from './electron/electron-secrets';
import { fileSecretBox } from './mail/secrets';
import { createMainWindow, lockDownContents, lockDownSession } from './electron/window';
import { isOwnPage, type AppPage, type LinkPolicyOptions } from './core/external-links';
import { startRuntime, type Runtime } from './runtime';

// The Electron shell: lifecycle, window and wiring only. Everything else runs in plain Node too.
let runtime: Runtime | null = null;
let portal: ReturnType<typeof createPortalHost> | null = null;
// The dev server only when not packaged: an installed app never loads a URL from its environment.
const page: AppPage = {
  devUrl: app.isPackaged ? null : (process.env.ELECTRON_RENDERER_URL ?? null),
  rendererFile: join(__dirname, '../renderer/index.html'),
  caseInsensitivePaths: process.platform === 'win32' || process.platform === 'darwin',
};
const isAppUrl = (url: string): boolean => isOwnPage(url, page);

/** The invitee pages' base URL (may be plain http on the local network): external links may go there. */
function linkOptions(): LinkPolicyOptions {
  try {
    return { portalBaseUrl: runtime?.services.portal.baseUrl() ?? null };
  } catch {
    return {};
  }
}

/** A second launch brings the running window forward instead of opening the store twice. */
function focusWindow(): void {
  const win = BrowserWindow.getAllWindows()[0];
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

async function start(): Promise<void> {
  // Before any window: the CSP header and refused permissions for the whole session.
  lockDownSession(page);
  const dataDir = process.env.ROSTER_DATA_DIR ?? app.getPath('userData');
  try {
    // Another user or a web-mode server may hold the folder even when this user runs no other copy.
    lockDataFolder(dataDir);
  } catch (e) {
    if (e instanceof DataFolderLocked) {
      dialog.showErrorBox('Roster is already running', `Roster is already running on this folder (pid ${e.pid}):\n${dataDir}`);
      app.exit(3);
      return;
    }
    if (e instanceof DataFolderNotWritable) {
      dialog.showErrorBox('Roster cannot write to its data folder', notWritableMessage(e, 'the ROSTER_DATA_DIR environment variable'));
      app.exit(4);
      return;
    }
    throw e;
  }
  runtime = await startRuntime({
    dataDir,
    secrets: safeStorageSecretBox(fileSecretBox(dataDir)),
    publicBaseUrl: () => runtime!.services.portal.baseUrl(),
    // After a change of store: everything closed (the SQLite file, the pool, the data folder's lock), then a new app.
    restart: () => {
      void Promise.allSettled([portal?.stop(), runtime?.stop()]).then(() => {
        app.relaunch();
        app.exit(0);
      });
    },
  });
  registerTrpcBridge(runtime.services, isAppUrl);
  // Offline organizations have no cloud: the invitee pages are served from here, where Settings say.
  portal = createPortalHost(runtime.services);
  runtime.services.portalHost = portal;
  await portal.start().catch((e: unknown) => console.error('[roster] invitee pages not started:', e instanceof Error ? e.message : e));
  createMainWindow(page);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(page);
  });
}

function main(): void {
  app.enableSandbox();
  // The second copy quits at once (and starts nothing); the first focuses its window.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', focusWindow);
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => console.error('[roster] could not start:', e instanceof Error ? e.message : e));

  // Every web contents, before it loads anything: the rules of core/external-links.ts.
  app.on('web-contents-created', (_e, contents) => lockDownContents(contents, page, linkOptions));

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('will-quit', () => {
    void portal?.stop();
    void runtime?.stop();
  });
}

main();
