import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';
import { registerTrpcBridge } from './electron/ipc';
import { createPortalServer } from './portal/server';
import { safeStorageSecretBox } from './electron/secrets';
import { fileSecretBox } from './mail/secrets';
import { createMainWindow } from './electron/window';
import { startRuntime, type Runtime } from './runtime';

// The Electron shell: lifecycle, window and wiring only. Everything else runs in plain Node too.
let runtime: Runtime | null = null;
const rendererFile = join(__dirname, '../renderer/index.html');
const devUrl = process.env.ELECTRON_RENDERER_URL ?? null;

function isAppUrl(url: string): boolean {
  if (devUrl) return url.startsWith(devUrl);
  return url.startsWith('file://') && decodeURIComponent(new URL(url).pathname).endsWith('/renderer/index.html');
}

app.enableSandbox();
if (!app.requestSingleInstanceLock()) app.quit();

app.whenReady().then(async () => {
  const dataDir = process.env.ROSTER_DATA_DIR ?? app.getPath('userData');
  const portalHost = process.env.ROSTER_PORTAL_HOST ?? '127.0.0.1';
  const portalPort = Number(process.env.ROSTER_PORTAL_PORT ?? 8450);
  runtime = await startRuntime({
    dataDir,
    secrets: safeStorageSecretBox(fileSecretBox(dataDir)),
    publicBaseUrl: () => process.env.ROSTER_PUBLIC_URL ?? `http://${portalHost}:${portalPort}`,
  });
  registerTrpcBridge(runtime.services, isAppUrl);
  // Offline organizations have no cloud: the invitee pages are served from here.
  const services = runtime.services;
  createPortalServer(services.deps, () => services.events.emit('members-changed')).listen(portalPort, portalHost);
  createMainWindow(devUrl, rendererFile);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(devUrl, rendererFile);
  });
});

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  void runtime?.stop();
});
