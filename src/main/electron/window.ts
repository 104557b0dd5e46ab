import { BrowserWindow, protocol, session, shell, type WebContents } from 'electron';
import { dirname, join } from 'node:path';
import {
  navigationDecision,
  permissionDecision,
  windowOpenDecision,
  type AppPage,
  type LinkPolicyOptions,
} from '../core/external-links';
import { NONCE_PLACEHOLDER, contentSecurityPolicy, newNonce } from '../http/csp';
import { APP_PAGE_URL, APP_SCHEME, appSchemeResponse } from './app-scheme';

// Before the app is ready (this module loads with main/index.ts): app://roster/ is a standard, secure
// origin ('self' in the CSP, fetch allowed), so the page needs nothing from file://.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

/** This launch's CSP nonce: index.html and the header carry it; a new one at every start. */
const launchNonce = newNonce();

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
  // The built page comes from out/renderer through app://roster/, index.html with this launch's nonce
  // and its CSP header (electron/app-scheme.ts decides every answer).
  protocol.handle(APP_SCHEME, (request) => appSchemeResponse(request, dirname(page.rendererFile), launchNonce));
  // The dev server's pages are not rewritten: they keep index.html's placeholder nonce.
  const nonce = page.devUrl ? NONCE_PLACEHOLDER : launchNonce;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy(nonce)] } });
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
  else void win.loadURL(APP_PAGE_URL);
  return win;
}
