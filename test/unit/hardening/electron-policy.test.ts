import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  WINDOW_WEB_PREFERENCES,
  externalLinkDecision,
  isOwnPage,
  navigationDecision,
  permissionDecision,
  windowOpenDecision,
  type AppPage,
} from '../../../src/main/core/external-links';

/**
 * The desktop window's rules (issue 16, Electron): what shell.openExternal may open, where the window
 * may navigate, which permissions it gets. Electron cannot run here; src/main/electron/window.ts only
 * wires these decisions, so these tables stand in for an electronegativity run (test/HARDENING.md).
 */

const rendererFile = resolve('/opt/Roster/resources/app.asar/out/renderer/index.html');
const built: AppPage = { devUrl: null, rendererFile };
const dev: AppPage = { devUrl: 'http://localhost:5173/', rendererFile };
// The built page is served as app://roster/index.html (electron/app-scheme.ts), no longer from file://.
const ownPage = 'app://roster/index.html';
const ownFile = pathToFileURL(rendererFile).href;
const portal = { portalBaseUrl: 'http://192.168.1.20:8451' };

describe('external links: what the OS is asked to open', () => {
  const table: [string, boolean, string][] = [
    ['https://example.com/help', true, 'https always'],
    ['HTTPS://Example.COM/a?b=c#d', true, 'scheme and host case'],
    ['https://[2001:db8::1]/', true, 'https to an IPv6 host'],
    ['http://127.0.0.1:8451/invite/abc', true, 'plain http to loopback (the local invitee pages)'],
    ['http://localhost:8451/', true, 'localhost'],
    ['http://[::1]:8451/', true, 'IPv6 loopback'],
    ['http://192.168.1.20:8451/invite/abc', true, 'plain http to the configured invitee-pages origin'],
    ['http://192.168.1.20:9999/', false, 'same host, another port: another origin'],
    ['http://example.com/', false, 'plain http to another computer'],
    ['http://127.0.0.1.evil.test/', false, 'a name that only starts like loopback'],
    ['mailto:someone@example.com', true, 'mailto'],
    ['mailto:someone@example.com?subject=Hi', true, 'mailto with a subject'],
    ['mailto:', false, 'mailto without an address'],
    ['https://user:pass@example.com/', false, 'credentials in the URL'],
    ['https://bank.example@evil.test/', false, 'a user name posing as a host'],
    ['file:///etc/passwd', false, 'file:'],
    ['file://server/share/x.exe', false, 'file: on a share'],
    ['javascript:alert(1)', false, 'javascript:'],
    [' javascript:alert(1)', false, 'javascript: behind a space'],
    ['JaVaScRiPt:alert(1)', false, 'javascript: in mixed case'],
    ['data:text/html,<script>alert(1)</script>', false, 'data:'],
    ['blob:https://example.com/uuid', false, 'blob:'],
    ['vbscript:msgbox', false, 'vbscript:'],
    ['ms-msdt:/id PCWDiagnostic', false, 'a Windows protocol handler'],
    ['smb://server/share', false, 'smb:'],
    ['roster://anything', false, 'a custom scheme'],
    ['ftp://example.com/', false, 'ftp:'],
    ['//example.com/', false, 'scheme-relative (no base)'],
    ['not a url', false, 'not a URL'],
    ['', false, 'empty'],
    [`https://example.com/${'a'.repeat(2100)}`, false, 'over 2,048 characters'],
  ];
  it.each(table)('%s → %s (%s)', (url, allowed) => {
    expect(externalLinkDecision(url, portal).allow).toBe(allowed);
  });

  it('opens the normalised URL, not the raw text', () => {
    expect(externalLinkDecision('  https://Example.com/a b', portal)).toEqual({ allow: true, url: 'https://example.com/a%20b' });
  });

  it('without a configured invitee-pages URL, plain http goes only to loopback', () => {
    expect(externalLinkDecision('http://192.168.1.20:8451/').allow).toBe(false);
    expect(externalLinkDecision('http://192.168.1.20:8451/', { portalBaseUrl: 'not a url' }).allow).toBe(false);
    expect(externalLinkDecision('http://127.0.0.1:1/').allow).toBe(true);
  });
});

describe('the app’s own page', () => {
  const table: [string, AppPage, boolean, string][] = [
    [ownPage, built, true, 'the built index.html through the app scheme'],
    [`${ownPage}#/members?x=1`, built, true, 'with a route'],
    [ownFile, built, false, 'the same index.html through file://'],
    ['app://roster/', built, false, 'the folder, not the page'],
    ['app://roster/other.html', built, false, 'another file of the app scheme'],
    ['app://roster/assets/index.js', built, false, 'an asset'],
    ['app://evil/index.html', built, false, 'another host of the app scheme'],
    ['app://roster.evil.test/index.html', built, false, 'a host that starts like it'],
    ['app://roster:81/index.html', built, false, 'a port'],
    ['app://user@roster/index.html', built, false, 'credentials'],
    ['app-x://roster/index.html', built, false, 'a scheme that starts like it'],
    ['https://roster/index.html', built, false, 'https with the same host'],
    [pathToFileURL('/tmp/evil/renderer/index.html').href, built, false, 'a file with the same ending elsewhere'],
    ['file:///etc/passwd', built, false, 'any other file'],
    ['http://localhost:5173/', built, false, 'a dev URL in the built app'],
    ['http://localhost:5173/#/members', dev, true, 'the dev server'],
    ['http://localhost:5173.evil.test/', dev, false, 'a host that starts like the dev server'],
    ['http://localhost:5174/', dev, false, 'another port'],
    [ownPage, dev, false, 'the app scheme while on the dev server'],
    ['garbage', built, false, 'not a URL'],
  ];
  it.each(table)('%s → %s (%s)', (url, page, own) => {
    expect(isOwnPage(url, page)).toBe(own);
  });
});

describe('navigation and new windows', () => {
  const table: [string, ReturnType<typeof navigationDecision>][] = [
    [`${ownPage}#/settings`, { action: 'allow' }],
    [`${ownFile}#/settings`, { action: 'deny', openExternal: null }],
    ['app://roster/other.html', { action: 'deny', openExternal: null }],
    ['https://example.com/help', { action: 'deny', openExternal: 'https://example.com/help' }],
    ['mailto:a@example.com', { action: 'deny', openExternal: 'mailto:a@example.com' }],
    ['http://example.com/', { action: 'deny', openExternal: null }],
    ['file:///etc/passwd', { action: 'deny', openExternal: null }],
    ['javascript:alert(1)', { action: 'deny', openExternal: null }],
    ['data:text/html,hi', { action: 'deny', openExternal: null }],
  ];
  it.each(table)('navigating to %s', (url, expected) => {
    expect(navigationDecision(url, built, portal)).toEqual(expected);
  });

  it('a new window is never opened inside the app; only allowed links go outside', () => {
    expect(windowOpenDecision('https://example.com/', portal)).toEqual({ action: 'deny', openExternal: 'https://example.com/' });
    expect(windowOpenDecision(ownPage, portal)).toEqual({ action: 'deny', openExternal: null });
    expect(windowOpenDecision(ownFile, portal)).toEqual({ action: 'deny', openExternal: null });
    expect(windowOpenDecision('file:///C:/Windows/System32/calc.exe', portal)).toEqual({ action: 'deny', openExternal: null });
  });
});

describe('browser permissions', () => {
  const denied = ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'hid', 'usb', 'serial', 'fullscreen', 'display-capture', 'unknown'];
  it.each(denied)('%s is refused (the app needs none)', (permission) => {
    expect(permissionDecision(permission, ownPage, built)).toBe(false);
  });
  it('writing the clipboard ("Copy link") is allowed for the app’s own page only', () => {
    expect(permissionDecision('clipboard-sanitized-write', `${ownPage}#/members`, built)).toBe(true);
    expect(permissionDecision('clipboard-sanitized-write', `${ownFile}#/members`, built)).toBe(false);
    expect(permissionDecision('clipboard-sanitized-write', 'https://example.com/', built)).toBe(false);
    expect(permissionDecision('clipboard-sanitized-write', '', built)).toBe(false);
  });
});

describe('the window’s webPreferences', () => {
  it('isolated, sandboxed, no Node, no webview, no Auxclick', () => {
    expect(WINDOW_WEB_PREFERENCES).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
    });
  });
});
