import { resolve } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * The wiring in src/main/electron/window.ts, with a stand-in for the electron module: Electron cannot
 * run here, and the decisions themselves are tested in electron-policy.test.ts. This checks that every
 * handler is attached and acts on those decisions (refuses, opens outside only what is allowed).
 */
const electron = vi.hoisted(() => {
  const handlers: Record<string, (...args: unknown[]) => unknown> = {};
  const created: { options: Record<string, unknown> }[] = [];
  return {
    handlers,
    created,
    openExternal: vi.fn(async (_url: string) => undefined),
  };
});

vi.mock('electron', () => ({
  shell: { openExternal: electron.openExternal },
  protocol: {
    registerSchemesAsPrivileged: (schemes: unknown) => (electron.handlers.schemes = () => schemes),
    handle: (scheme: string, h: (...a: unknown[]) => unknown) => (electron.handlers[`protocol:${scheme}`] = h),
  },
  session: {
    defaultSession: {
      webRequest: { onHeadersReceived: (h: (...a: unknown[]) => unknown) => (electron.handlers.headers = h) },
      setPermissionRequestHandler: (h: (...a: unknown[]) => unknown) => (electron.handlers.request = h),
      setPermissionCheckHandler: (h: (...a: unknown[]) => unknown) => (electron.handlers.check = h),
      setDevicePermissionHandler: (h: (...a: unknown[]) => unknown) => (electron.handlers.device = h),
    },
  },
  BrowserWindow: class {
    webContents = {};
    constructor(options: Record<string, unknown>) {
      electron.created.push({ options });
    }
    once() {}
    loadURL() {}
    loadFile() {}
  },
}));

const { createMainWindow, lockDownContents, lockDownSession } = await import('../../../src/main/electron/window');
const { WINDOW_WEB_PREFERENCES } = await import('../../../src/main/core/external-links');

const rendererFile = resolve('/opt/Roster/out/renderer/index.html');
const page = { devUrl: null, rendererFile };
const own = 'app://roster/index.html';

function fakeContents() {
  const on: Record<string, (...args: unknown[]) => void> = {};
  let openHandler: ((d: { url: string }) => { action: string }) | null = null;
  const contents = {
    on: (name: string, fn: (...args: unknown[]) => void) => {
      on[name] = fn;
      return contents;
    },
    setWindowOpenHandler: (fn: (d: { url: string }) => { action: string }) => (openHandler = fn),
    getURL: () => own,
  };
  return { contents, on, open: (url: string) => openHandler!({ url }) };
}

function event(extra: Record<string, unknown> = {}) {
  return { preventDefault: vi.fn(), ...extra };
}

beforeEach(() => electron.openExternal.mockClear());

describe('every web contents', () => {
  const links = () => ({ portalBaseUrl: 'http://192.168.1.20:8451' });

  it('new windows: always refused; an allowed link opens outside, a file: link nowhere', () => {
    const c = fakeContents();
    lockDownContents(c.contents as never, page, links);
    expect(c.open('https://example.com/')).toEqual({ action: 'deny' });
    expect(c.open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(c.open(own)).toEqual({ action: 'deny' });
    expect(electron.openExternal.mock.calls).toEqual([['https://example.com/']]);
  });

  it('navigation: the own page stays; others are refused, allowed links open outside', () => {
    const c = fakeContents();
    lockDownContents(c.contents as never, page, links);
    const stay = event();
    c.on['will-navigate']!(stay, `${own}#/members`);
    expect(stay.preventDefault).not.toHaveBeenCalled();
    const away = event();
    c.on['will-navigate']!(away, 'http://192.168.1.20:8451/invite/x');
    expect(away.preventDefault).toHaveBeenCalled();
    const evil = event();
    c.on['will-navigate']!(evil, 'javascript:alert(1)');
    expect(evil.preventDefault).toHaveBeenCalled();
    expect(electron.openExternal.mock.calls).toEqual([['http://192.168.1.20:8451/invite/x']]);
  });

  it('redirects and frame navigations away from the page are refused and open nothing; webviews never attach', () => {
    const c = fakeContents();
    lockDownContents(c.contents as never, page, links);
    const redirect = event();
    c.on['will-redirect']!(redirect, 'https://example.com/');
    expect(redirect.preventDefault).toHaveBeenCalled();
    const frame = event({ isMainFrame: false, url: 'https://example.com/' });
    c.on['will-frame-navigate']!(frame);
    expect(frame.preventDefault).toHaveBeenCalled();
    const webview = event();
    c.on['will-attach-webview']!(webview);
    expect(webview.preventDefault).toHaveBeenCalled();
    expect(electron.openExternal).not.toHaveBeenCalled();
  });
});

describe('the session and the window', () => {
  it('permissions refused but clipboard write for the page; devices refused; the CSP header set', () => {
    lockDownSession(page);
    const answers: boolean[] = [];
    electron.handlers.request!({ getURL: () => own }, 'media', (ok: boolean) => answers.push(ok), { requestingUrl: own });
    electron.handlers.request!({ getURL: () => own }, 'clipboard-sanitized-write', (ok: boolean) => answers.push(ok), { requestingUrl: own });
    expect(answers).toEqual([false, true]);
    expect(electron.handlers.check!(null, 'notifications', 'file:///', { requestingUrl: own })).toBe(false);
    expect(electron.handlers.check!(null, 'clipboard-sanitized-write', 'https://x', { requestingUrl: 'https://example.com/' })).toBe(false);
    expect(electron.handlers.device!({})).toBe(false);
    let headers: Record<string, string[]> = {};
    electron.handlers.headers!({ responseHeaders: {} }, (r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy']![0]).not.toContain('unsafe-inline');
    // The built page through app://roster/ (what it answers: electron-app-scheme.test.ts), a privileged standard scheme.
    expect(electron.handlers['protocol:app']).toBeTypeOf('function');
    expect(electron.handlers.schemes!()).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(headers['Content-Security-Policy']![0]).not.toContain('ROSTER_CSP_NONCE');
  });

  it('the window gets the locked-down webPreferences and the preload', () => {
    createMainWindow(page);
    const prefs = electron.created.at(-1)!.options.webPreferences as Record<string, unknown>;
    // window.ts writes them out for static checkers (electronegativity): exactly the tested policy, plus the preload.
    const { preload, ...rest } = prefs;
    expect(rest).toEqual({ ...WINDOW_WEB_PREFERENCES });
    expect(String(preload)).toMatch(/preload[/\\]index\.js$/);
  });
});
