import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_PAGE_URL, appSchemePath, appSchemeResponse, mimeType } from '../../../src/main/electron/app-scheme';
import { NONCE_PLACEHOLDER, newNonce } from '../../../src/main/http/csp';

/**
 * The desktop page served as app://roster/ (issue 16: no fixed nonce for styles in the desktop app):
 * the pure part of the protocol handler on real files in a temporary renderer folder. Electron itself
 * cannot run here; electron/window.ts only hands each request to appSchemeResponse.
 */

let root: string;
let dir: string;
const INDEX = `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="style-src 'self' 'nonce-${NONCE_PLACEHOLDER}'" /><meta property="csp-nonce" nonce="${NONCE_PLACEHOLDER}" /></head><body><script type="module" src="./assets/index.js"></script></body></html>`;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'roster-app-scheme-'));
  dir = join(root, 'renderer');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'index.css'), 'body{}');
  writeFileSync(join(dir, 'assets', 'font.woff2'), Buffer.from([0, 1, 2]));
  writeFileSync(join(root, 'secret.key'), 'not for the page');
  writeFileSync(join(root, 'renderer-evil.html'), 'beside the folder');
  symlinkSync(join(root, 'secret.key'), join(dir, 'assets', 'link.js'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => appSchemeResponse({ url, method }, dir, 'bm9uY2Utb2YtdGhpcy1sYXVuY2g=');

describe('app://roster/: the built page with this launch’s nonce', () => {
  it('index.html carries the launch’s nonce in its meta tags and in the CSP header, no placeholder left', async () => {
    const nonce = newNonce();
    const res = await appSchemeResponse({ url: `${APP_PAGE_URL}#/members`, method: 'GET' }, dir, nonce);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain(`'nonce-${nonce}'`);
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).not.toContain(NONCE_PLACEHOLDER);
    expect(html.split(nonce)).toHaveLength(3);
    // Another launch, another nonce.
    const next = await (await appSchemeResponse({ url: APP_PAGE_URL, method: 'GET' }, dir, newNonce())).text();
    expect(next).not.toContain(nonce);
  });

  it('the root is the page; assets with their type, nosniff, no CSP header needed', async () => {
    expect((await get('app://roster/')).status).toBe(200);
    const js = await get('app://roster/assets/index.js?v=1');
    expect([js.status, js.headers.get('content-type'), js.headers.get('x-content-type-options')]).toEqual([200, 'text/javascript; charset=utf-8', 'nosniff']);
    expect(await js.text()).toBe('console.log(1)');
    expect((await get('app://roster/assets/index.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(new Uint8Array(await (await get('app://roster/assets/font.woff2')).arrayBuffer())).toEqual(new Uint8Array([0, 1, 2]));
    expect((await get('app://roster/index.html', 'HEAD')).status).toBe(200);
  });

  const refused: [string, string][] = [
    ['app://roster/../secret.key', 'dot-dot (the URL parser removes it: stays inside, missing)'],
    ['app://roster/%2e%2e/secret.key', 'encoded dot-dot'],
    ['app://roster/assets/%2E%2E/%2E%2E/secret.key', 'encoded dot-dot, capitals'],
    ['app://roster/..%2fsecret.key', 'encoded slash'],
    ['app://roster/..%5csecret.key', 'encoded backslash'],
    ['app://roster/assets%5c..%5c..%5csecret.key', 'backslashes'],
    ['app://roster/index.html%00.js', 'NUL'],
    ['app://roster/%E0%A4%A', 'broken percent-encoding'],
    ['app://roster/%2fetc%2fpasswd', 'an absolute path'],
    ['app://roster/assets/link.js', 'a symbolic link leading out of the folder'],
    ['app://roster/assets', 'a folder'],
    ['app://roster/missing.js', 'a missing file'],
    ['app://evil/index.html', 'another host'],
    ['app://roster:8080/index.html', 'a port'],
    ['app://user:pw@roster/index.html', 'credentials'],
    ['file:///etc/passwd', 'another scheme'],
    ['not a url', 'not a URL'],
  ];
  it.each(refused)('%s → 404 (%s), nothing outside the folder read', async (url) => {
    const res = await get(url);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('');
  });

  it('only GET and HEAD', async () => {
    const res = await get(APP_PAGE_URL, 'POST');
    expect([res.status, res.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('paths: inside the folder only', () => {
    expect(appSchemePath('app://roster/assets/index.js', dir)).toBe(join(dir, 'assets', 'index.js'));
    // The URL parser already removes a dot-dot segment (encoded or not): what is left stays inside.
    expect(appSchemePath('app://roster/%2e%2e/renderer-evil.html', dir)).toBe(join(dir, 'renderer-evil.html'));
    expect(appSchemePath('app://roster/..%2frenderer-evil.html', dir)).toBeNull();
    expect(appSchemePath('app://roster/', dir)).toBe(join(dir, 'index.html'));
  });

  it('MIME types by extension; unknown ones are opaque bytes', () => {
    expect(mimeType('a.woff2')).toBe('font/woff2');
    expect(mimeType('A.SVG')).toBe('image/svg+xml');
    expect(mimeType('x.exe')).toBe('application/octet-stream');
  });
});
