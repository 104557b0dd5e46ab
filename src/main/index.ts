import { app, BrowserWindow, dialog } from 'electron';
import { join } from 'node:path';
import { DataFolderLocked, lockDataFolder } from './data-lock';
import { registerTrpcBridge } from './electron/ipc';
import { createPortalHost } from './portal/server';
import { safeStorageSecretBox } from './electron/electron-secrets';
import { fileSecretBox } from './mail/secrets';
import { createMainWindow } from './electron/window';
import { startRuntime, type Runtime } from './runtime';

// The Electron shell: lifecycle, window and wiring only. Everything else runs in plain Node too.
let runtime: Runtime | null = null;
let portal: ReturnType<typeof createPortalHost> | null = null;
const rendererFile = join(__dirname, '../renderer/index.html');
const devUrl = process.env.ELECTRON_RENDERER_URL ?? null;

function isAppUrl(url: string): boolean {
  if (devUrl) return url.startsWith(devUrl);
  return url.startsWith('file://') && decodeURIComponent(new URL(url).pathname).endsWith('/renderer/index.html');
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
    throw e;
  }
  runtime = await startRuntime({
    dataDir,
    secrets: safeStorageSecretBox(fileSecretBox(dataDir)),
    publicBaseUrl: () => runtime!.services.portal.baseUrl(),
  });
  registerTrpcBridge(runtime.services, isAppUrl);
  // Offline organizations have no cloud: the invitee pages are served from here, where Settings say.
  portal = createPortalHost(runtime.services);
  runtime.services.portalHost = portal;
  await portal.start().catch((e: unknown) => console.error('[roster] invitee pages not started:', e instanceof Error ? e.message : e));
  createMainWindow(devUrl, rendererFile);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(devUrl, rendererFile);
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

  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('will-quit', () => {
    void portal?.stop();
    void runtime?.stop();
  });
}

main();
