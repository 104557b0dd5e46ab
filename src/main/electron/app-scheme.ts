import { readFile as readFileCb, realpath as realpathCb } from 'node:fs';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { APP_HOST, APP_SCHEME } from '../core/external-links';
import { contentSecurityPolicy, htmlWithNonce } from '../http/csp';

/**
 * The desktop page's own origin, app://roster/: the built renderer (out/renderer) served by a
 * protocol handler instead of file://, so that index.html can carry a fresh CSP nonce on every launch
 * (file:// pages cannot be rewritten) and file:// needs no privileges. Plain Node, no Electron: the
 * shell (electron/window.ts) registers the scheme and hands each request to `appSchemeResponse`;
 * test/unit/hardening/electron-app-scheme.test.ts tests this module on real files.
 *
 * Served: GET and HEAD of files under the renderer folder, and nothing else: another host, a path
 * leaving the folder (`..`, encoded or not, backslashes, NUL, a symbolic link pointing out), a folder,
 * a missing file → 404; other methods → 405. index.html gets the launch's nonce in its meta tags and
 * the CSP header; every answer says `X-Content-Type-Options: nosniff`.
 */

export { APP_HOST, APP_SCHEME };

// The callback forms: Electron reads files inside app.asar through them (its asar support wraps fs).
const readFile = promisify(readFileCb);
const realpath = promisify(realpathCb);
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_PAGE_URL = `${APP_ORIGIN}/index.html`;

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function mimeType(path: string): string {
  return MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * The file a URL of the app's origin names, or null when it names none (another scheme or host,
 * credentials, a port, a path leaving `rendererDir`). `/` is index.html; #fragment and ?query are ignored.
 */
export function appSchemePath(rawUrl: string, rendererDir: string): string | null {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.hostname !== APP_HOST || url.port || url.username || url.password) return null;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (path === '/' || path === '') path = '/index.html';
  // Separators and names a URL parser would not have normalised away once decoded.
  if (path.includes('\0') || path.includes('\\') || path.split('/').some((part) => part === '..' || part === '.')) return null;
  const root = resolve(rendererDir);
  const file = resolve(root, `.${path.split('/').join(sep)}`);
  return inside(root, file) ? file : null;
}

function answer(status: number, body: BodyInit | null, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', ...headers } });
}

/** The answer to one request of the app's scheme (`nonce`: this launch's, from csp.ts newNonce()). */
export async function appSchemeResponse(request: { url: string; method: string }, rendererDir: string, nonce: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, null, { Allow: 'GET, HEAD' });
  const file = appSchemePath(request.url, rendererDir);
  if (!file) return answer(404, null);
  let body: Buffer;
  try {
    // A symbolic link inside the folder must not lead outside it either.
    const [root, real] = await Promise.all([realpath(resolve(rendererDir)), realpath(file)]);
    if (!inside(root, real)) return answer(404, null);
    body = await readFile(real);
  } catch {
    return answer(404, null);
  }
  const type = mimeType(file);
  const head = request.method === 'HEAD';
  if (type.startsWith('text/html')) {
    const html = htmlWithNonce(body.toString('utf8'), nonce);
    return answer(200, head ? null : html, { 'Content-Type': type, 'Content-Security-Policy': contentSecurityPolicy(nonce) });
  }
  return answer(200, head ? null : new Uint8Array(body), { 'Content-Type': type });
}
