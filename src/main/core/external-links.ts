
/**
 * What the desktop window may do, decided here in plain Node so every rule is tested without
 * Electron (test/unit/hardening/electron-policy.test.ts); src/main/electron/window.ts only wires it.
 *
 * External links (`shell.openExternal`): the OS hands the URL to whatever program claims its
 * scheme, so a hostile link (ms-msdt:, smb:, file:, a custom scheme) can start a program. Allowed:
 * - https: always (the web, read in the user's browser);
 * - http: only to loopback (127.0.0.0/8, ::1, localhost) or to the origin of the configured
 *   invitee-pages base URL (an offline organization serves them over plain http on its network);
 *   any other plain http would be readable and changeable on the way;
 * - mailto: yes (an address the app shows);
 * - never: URLs carrying a user name or password (`https://bank.test@evil.test/` tricks), file:,
 *   javascript:, data:, blob:, vbscript:, any other scheme, and anything over 2,048 characters.
 * Navigation: the window shows only the app's own page (the built index.html, or the dev server's
 * origin in development); every other navigation or redirect is refused, and an http(s)/mailto
 * target allowed above opens in the user's browser or mail program instead.
 */

export const MAX_EXTERNAL_URL_LENGTH = 2048;

export type ExternalLinkDecision = { allow: true; url: string } | { allow: false; reason: string };

export interface LinkPolicyOptions {
  /** The invitee pages' base URL from Settings (may be plain http on a local network). */
  portalBaseUrl?: string | null;
}

function parse(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/** 127.0.0.0/8, ::1 and localhost (the host as WHATWG URL normalises it). */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  const parts = hostname.split('.');
  return parts.length === 4 && parts[0] === '127' && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/**
 * A web address Roster itself calls or links to (the invitee pages' base, an SMS gateway, a SCIM
 * server): parsed by WHATWG URL, http: or https: with a host. Null for text URL cannot parse
 * ("http://[::1") and for any other scheme.
 */
export function httpUrl(raw: string): URL | null {
  const url = parse(raw.trim());
  return url && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname ? url : null;
}

function portalOrigin(options: LinkPolicyOptions): string | null {
  return options.portalBaseUrl ? (httpUrl(options.portalBaseUrl)?.origin ?? null) : null;
}

/** Whether `shell.openExternal` may open `raw`; the URL to open is the parsed, normalised one. */
export function externalLinkDecision(raw: string, options: LinkPolicyOptions = {}): ExternalLinkDecision {
  if (typeof raw !== 'string' || raw.length === 0) return { allow: false, reason: 'empty' };
  if (raw.length > MAX_EXTERNAL_URL_LENGTH) return { allow: false, reason: 'too long' };
  const url = parse(raw.trim());
  if (!url) return { allow: false, reason: 'not a URL' };
  if (url.username || url.password) return { allow: false, reason: 'carries credentials' };
  switch (url.protocol) {
    case 'https:':
      return url.hostname ? { allow: true, url: url.href } : { allow: false, reason: 'no host' };
    case 'http:':
      if (isLoopbackHost(url.hostname) || url.origin === portalOrigin(options)) return { allow: true, url: url.href };
      return { allow: false, reason: 'plain http to another computer' };
    case 'mailto:':
      return url.pathname ? { allow: true, url: url.href } : { allow: false, reason: 'no address' };
    default:
      return { allow: false, reason: `scheme ${url.protocol} is not opened` };
  }
}

export interface AppPage {
  /** The dev server's URL (ELECTRON_RENDERER_URL) in development, else null. */
  devUrl: string | null;
  /** The built renderer's index.html (absolute path): its folder is what the app scheme serves. */
  rendererFile: string;
  /** Unused since the page is served as app://roster/ (it was for comparing file:// paths); kept for callers. */
  caseInsensitivePaths?: boolean;
}

/** The built page's own origin (electron/app-scheme.ts serves it): app://roster/index.html. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'roster';

/**
 * The app's own page, whatever its #route or ?query: the built renderer as the app scheme serves it
 * (app://roster/index.html, see electron/app-scheme.ts), or the dev server's origin in development.
 * Nothing else: not the same index.html through file://, not another file or host of the app scheme.
 */
export function isOwnPage(raw: string, page: AppPage): boolean {
  const url = parse(raw);
  if (!url) return false;
  if (page.devUrl) {
    const dev = parse(page.devUrl);
    // The origin, not a string prefix: http://localhost:5173.evil.test starts with http://localhost:5173.
    return !!dev && (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === dev.origin;
  }
  // URL.origin is "null" for a scheme WHATWG does not know: compare its parts.
  return url.protocol === `${APP_SCHEME}:` && url.hostname === APP_HOST && !url.port && !url.username && !url.password && url.pathname === '/index.html';
}

export type NavigationDecision = { action: 'allow' } | { action: 'deny'; openExternal: string | null };

/** will-navigate / will-redirect / window.open: stay only on the app's page; allowed links go to the browser. */
export function navigationDecision(raw: string, page: AppPage, options: LinkPolicyOptions = {}): NavigationDecision {
  if (isOwnPage(raw, page)) return { action: 'allow' };
  const external = externalLinkDecision(raw, options);
  return { action: 'deny', openExternal: external.allow ? external.url : null };
}

/** A new window is never opened inside the app: an allowed link opens outside, anything else nowhere. */
export function windowOpenDecision(raw: string, options: LinkPolicyOptions = {}): { action: 'deny'; openExternal: string | null } {
  const external = externalLinkDecision(raw, options);
  return { action: 'deny', openExternal: external.allow ? external.url : null };
}

/**
 * Browser permissions (camera, microphone, notifications, geolocation, USB, …): the app needs none,
 * so every request and check is refused. The one exception: writing text to the clipboard
 * (`navigator.clipboard.writeText`, the members page's "Copy link"), for the app's own page only.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export function permissionDecision(permission: string, requestingUrl: string, page: AppPage): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isOwnPage(requestingUrl, page);
}

/**
 * The window's webPreferences besides the preload path: isolated and sandboxed, no Node, no
 * <webview>, middle-click (Auxclick) off so it cannot open links past the window-open handler,
 * no insecure content, no navigation by dropping a file on the window.
 */
export const WINDOW_WEB_PREFERENCES = Object.freeze({
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
});
