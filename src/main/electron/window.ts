import { BrowserWindow, session, shell, type WebContents } from 'electron';
import { join } from 'node:path';
import {
  navigationDecision,
  permissionDecision,
  windowOpenDecision,
  type AppPage,
  type LinkPolicyOptions,
} from '../core/external-links';
import { NONCE_PLACEHOLDER, contentSecurityPolicy } from '../http/csp';

/**
 * The Electron wiring of core/external-links.ts, where every decision is made and tested:
 * one window, isolated, sandboxed, no Node, no navigation away from the app, no new windows,
 * no <webview>, no browser permissions, external links only through the allow-list.
 */

function openOutside(url: string | null): void {
  if (url) void shell.openExternal(url);
}

/** Session-wide rules, once: the CSP header, and permissions refused (see permissionDecision). */
export function lockDownSession(page: AppPage): void {
  const ses = session.defaultSession;
  // The page's own meta CSP does the work for file://; this header covers the dev server. Its nonce is
  // index.html's fixed placeholder (no server rewrites a file:// page; see http/csp.ts).
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy(NONCE_PLACEHOLDER)] } });
  });
  ses.setPermissionRequestHandler((contents, permission, callback, details) =>
    callback(permissionDecision(permission, details.requestingUrl || contents.getURL(), page)),
  );
  ses.setPermissionCheckHandler((contents, permission, _origin, details) =>
    permissionDecision(permission, details.requestingUrl ?? contents?.getURL() ?? '', page),
  );
  // USB, HID, serial and Bluetooth devices: none.
  ses.setDevicePermissionHandler(() => false);
}

/** Every web contents (the window and anything it might create): navigation, new windows, webviews. */
export function lockDownContents(contents: WebContents, page: AppPage, links: () => LinkPolicyOptions): void {
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(windowOpenDecision(url, links()).openExternal);
    return { action: 'deny' };
  });
  const guard = (event: { preventDefault(): void }, url: string) => {
    const decision = navigationDecision(url, page, links());
    if (decision.action === 'allow') return;
    event.preventDefault();
    openOutside(decision.openExternal);
  };
  contents.on('will-navigate', (event, url) => guard(event, url));
  // The app has no frames; one navigating (or a redirect) is refused and opens nothing: the user clicked no link.
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame && navigationDecision(event.url, page, links()).action !== 'allow') event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (navigationDecision(url, page, links()).action !== 'allow') event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

export function createMainWindow(page: AppPage): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Roster',
    // Written out (not spread from WINDOW_WEB_PREFERENCES) so static checkers such as electronegativity
    // see each value; electron-wiring.test.ts asserts they equal that policy exactly.
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
      preload: join(__dirname, '../preload/index.js'),
    },
  });
  win.once('ready-to-show', () => win.show());
  if (page.devUrl) void win.loadURL(page.devUrl);
  else void win.loadFile(page.rendererFile);
  return win;
}
