import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { contentSecurityPolicy, htmlWithNonce, newNonce } from './csp';

/**
 * Web mode's HTTP server without the application: security headers, the Host check and the
 * renderer's files. Everything else (the router, the invitee pages, the event stream, /healthz) is
 * the WebApp, which may still be loading when the server starts listening (serve-main.ts): until
 * it is there, only the console's page and its files answer, and every other request waits for it.
 * This module stays light (no service, no router): it is all web mode loads before its first answer.
 */

/** Every answer but the console's page; the page gets its own nonce (serveStatic). */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy(null);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * The application part of the server (http/web-server.ts createWebApp): true when it answered the
 * request. `allowedHosts` are the Host values this server accepts (its loopback port).
 */
export type WebApp = (req: IncomingMessage, res: ServerResponse, url: URL, allowedHosts: string[]) => Promise<boolean>;

export interface WebShellOptions {
  rendererDir: string;
  port: number;
  /** Loads the application: called once, by the first request that needs it or by app() (web mode warms it up). */
  app: () => WebApp | Promise<WebApp>;
  /** Called once the first request was answered (web mode then loads the application). */
  onFirstAnswer?: () => void;
}

export function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

export function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  // Refusals (401, 404, 421…) are never cached: a proxy must not replay them to someone else.
  if (status >= 400) res.setHeader('Cache-Control', 'no-store');
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(body);
}

/** Loopback only, checked on every request (DNS rebinding): its Host must name this server. */
export function createWebShell(opts: WebShellOptions): Server & { app(): Promise<WebApp> } {
  let boundPort = opts.port;
  let app: WebApp | null = null;
  let loading: Promise<WebApp> | null = null;
  const loadApp = (): Promise<WebApp> => {
    loading ??= Promise.resolve()
      .then(opts.app)
      .then((loaded) => (app = loaded));
    return loading;
  };
  let answered = false;

  const server = createServer((req, res) => {
    void (async () => {
      securityHeaders(res);
      const allowedHosts = [`127.0.0.1:${boundPort}`, `localhost:${boundPort}`];
      if (!allowedHosts.includes(req.headers.host ?? '')) return send(res, 421, 'Unknown host.');
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      if (!answered) {
        answered = true;
        if (opts.onFirstAnswer) res.once('finish', opts.onFirstAnswer);
      }
      // Before the application is there, the console's page and its files answer at once (the same
      // answer the application would give: it handles none of them); anything else waits for it.
      if (app || !isConsoleFile(opts.rendererDir, req, url.pathname)) {
        const handle = app ?? (await loadApp());
        if (await handle(req, res, url, allowedHosts)) return;
      }
      if (url.pathname === '/healthz') return send(res, 200, 'ok');
      return serveStatic(opts.rendererDir, url.pathname, res);
    })().catch((e: unknown) => {
      console.error('[roster] request failed:', e instanceof Error ? e.message : e);
      if (!res.headersSent) send(res, 500, 'Internal error.');
    });
  });
  server.on('listening', () => {
    const address = server.address();
    if (address && typeof address === 'object') boundPort = address.port;
  });
  return Object.assign(server, { app: loadApp });
}

/** A GET of the console's page (/, /index.html) or of a file the renderer built (its assets). */
function isConsoleFile(root: string, req: IncomingMessage, pathname: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (pathname === '/' || pathname === '/index.html') return true;
  const file = fileUnder(root, pathname);
  return file !== null && existsSync(file) && !statSync(file).isDirectory();
}

function fileUnder(root: string, pathname: string): string | null {
  let rel: string;
  try {
    rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  } catch {
    return null;
  }
  const file = join(root, rel);
  return file.startsWith(root + sep) || file === root ? file : null;
}

function serveStatic(root: string, pathname: string, res: ServerResponse): void {
  let file = fileUnder(root, pathname);
  if (file === null) return send(res, 404, 'Not found.');
  if (!existsSync(file) || statSync(file).isDirectory()) {
    // The console is a single page: unknown paths are its routes.
    if (extname(file)) return send(res, 404, 'Not found.');
    file = join(root, 'index.html');
    if (!existsSync(file)) return send(res, 500, 'The renderer is not built: run npm run build.');
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
  if (file === join(root, 'index.html')) {
    // The page: a fresh style nonce for this load, in the header and the HTML alike, never cached.
    const nonce = newNonce();
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(nonce));
    res.end(htmlWithNonce(readFileSync(file, 'utf8'), nonce));
    return;
  }
  res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
  createReadStream(file).pipe(res);
}
