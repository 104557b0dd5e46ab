import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import type { SessionCarrier } from '../api/context';
import { hashToken } from '../core/tokens';
import { contentSecurityPolicy, htmlWithNonce, newNonce } from './csp';
import { createContextInner } from '../api/context';
import { appRouter } from '../api/router';
import { createPortalHandler } from '../portal/routes';
import type { Runtime } from '../runtime';

export const SESSION_COOKIE = 'roster_session';

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

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function readCookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

function cookieCarrier(req: IncomingMessage, res: ServerResponse): SessionCarrier {
  let current = readCookie(req, SESSION_COOKIE);
  return {
    get: () => current,
    set: (token) => {
      current = token;
      res.appendHeader('Set-Cookie', `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    },
    clear: () => {
      current = null;
      res.appendHeader('Set-Cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
    },
  };
}

function idleHeader(value: string | string[] | undefined): number | null {
  const n = Number(Array.isArray(value) ? value[0] : value);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  // Refusals (401, 404, 421…) are never cached: a proxy must not replay them to someone else.
  if (status >= 400) res.setHeader('Cache-Control', 'no-store');
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

/** Every tRPC call's body: sign-in, settings, edits. */
export const BODY_LIMIT = 1024 * 1024;
/** The invite batch (200,000 addresses with names and roles measured at 21.6 MB as JSON). */
export const BATCH_BODY_LIMIT = 32 * 1024 * 1024;
const BATCH_PROCEDURES = new Set(['members.preview', 'members.invite']);

/** A declared length over the cap: refused before reading anything, and the connection closed. */
function tooLarge(res: ServerResponse, limit: number): void {
  res.setHeader('Connection', 'close');
  const message = `This request is larger than Roster accepts (${Math.round(limit / 1024 / 1024)} MB). Send fewer entries at once.`;
  send(res, 413, JSON.stringify({ error: { message, code: -32600, data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413, domainCode: null } } }), 'application/json');
}

export interface WebServerOptions {
  runtime: Runtime;
  rendererDir: string;
  port: number;
}

/**
 * Web mode: the renderer and the router over HTTP, bound to loopback only. The Host header is
 * checked (DNS rebinding) and state-changing calls must come from our own origin.
 */
export function createWebServer(opts: WebServerOptions): Server {
  const { runtime } = opts;
  let boundPort = opts.port;
  const trpcHandler = (maxBodySize: number) =>
    createHTTPHandler({
      router: appRouter,
      basePath: '/trpc/',
      // Bodies are counted as they arrive and refused (413) past the cap, before any sign-in check.
      maxBodySize,
      createContext: ({ req, res }) =>
        createContextInner({ services: runtime.services, sessionCarrier: cookieCarrier(req, res), userIdleMs: idleHeader(req.headers['x-roster-idle-ms']), client: req.socket.remoteAddress ?? '?', request: {} }),
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`[roster] ${path ?? '?'}: ${error.cause?.stack ?? error.message}`);
      },
    });
  const trpc = trpcHandler(BODY_LIMIT);
  const trpcBatch = trpcHandler(BATCH_BODY_LIMIT);

  /** The larger cap only for the invite batch, and only for a signed-in session. */
  async function bodyLimitFor(req: IncomingMessage, pathname: string): Promise<number> {
    const procedures = decodeURIComponent(pathname.slice('/trpc/'.length)).split(',');
    if (!procedures.every((p) => BATCH_PROCEDURES.has(p))) return BODY_LIMIT;
    const session = await runtime.services.sessions.resume(readCookie(req, SESSION_COOKIE), idleHeader(req.headers['x-roster-idle-ms']));
    return session ? BATCH_BODY_LIMIT : BODY_LIMIT;
  }

  // The invitee pages run beside the console in web mode.
  const portal = createPortalHandler({ deps: runtime.services.deps, onChange: () => runtime.services.events.emit('members-changed') });

  const server = createServer((req, res) => {
    void (async () => {
      securityHeaders(res);
      const allowedHosts = [`127.0.0.1:${boundPort}`, `localhost:${boundPort}`];
      if (!allowedHosts.includes(req.headers.host ?? '')) return send(res, 421, 'Unknown host.');
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      // The invitee pages carry their own CSRF tokens (and send Origin: null under no-referrer).
      if (await portal(req, res)) return;
      if (url.pathname === '/events') return streamEvents(req, res);
      const origin = req.headers.origin;
      if (req.method !== 'GET' && req.method !== 'HEAD' && origin && !allowedHosts.map((h) => `http://${h}`).includes(origin))
        return send(res, 403, 'Cross-origin requests are refused.');

      if (url.pathname.startsWith('/trpc/')) {
        res.setHeader('Cache-Control', 'no-store');
        const limit = await bodyLimitFor(req, url.pathname);
        if (Number(req.headers['content-length'] ?? 0) > limit) return tooLarge(res, limit);
        return (limit === BATCH_BODY_LIMIT ? trpcBatch : trpc)(req, res);
      }
      if (url.pathname === '/__test/clock' && runtime.testClock && req.method === 'POST') {
        const body = (await readJson(req)) as { advanceMs?: number };
        runtime.testClock.advance(Number(body.advanceMs ?? 0));
        return send(res, 200, JSON.stringify({ now: runtime.testClock.now().toISOString() }), 'application/json');
      }
      if (url.pathname === '/__test/last-link' && runtime.testLinks) {
        const email = url.searchParams.get('email')?.toLowerCase();
        const kind = url.searchParams.get('kind');
        const found = [...runtime.testLinks].reverse().find((l) => l.email.toLowerCase() === email && (!kind || l.kind === kind));
        return found ? send(res, 200, JSON.stringify({ url: found.url }), 'application/json') : send(res, 404, 'No such link.');
      }
      if (url.pathname === '/healthz') return send(res, 200, 'ok');
      return serveStatic(opts.rendererDir, url.pathname, res);
    })().catch((e: unknown) => {
      console.error('[roster] request failed:', e instanceof Error ? e.message : e);
      if (!res.headersSent) send(res, 500, 'Internal error.');
    });
  });
  /** Server-sent events: the console refreshes the moment something changes elsewhere (an invitee acts). */
  /** Closed at sign-out, and before any event once the person is no longer an active member (deactivated). */
  async function streamEvents(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = readCookie(req, SESSION_COOKIE);
    const sessions = runtime.services.sessions;
    const session = await sessions.resume(token);
    if (!session || !token) return send(res, 401, 'Sign in first.');
    const tokenHash = hashToken(token);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    const close = () => {
      if (!res.writableEnded) res.end();
    };
    const deliver = (chunk: string) =>
      void sessions.stillActive(token).then((ok) => (ok ? res.write(chunk) : close()), close);
    // A change another process made in another organization is not this console's (team mode).
    const onChange = (e?: { remote?: { org: number | null } }) => {
      if (e?.remote?.org != null && e.remote.org !== session.organizationId) return;
      deliver('event: members-changed\ndata: {}\n\n');
    };
    // Rows changed without a command (expiry, mail and sync outcomes, here or on another process):
    // the console refreshes the same way; the data says why.
    const onBackground = (e?: { organizationId?: number | null }) => {
      if (e?.organizationId != null && e.organizationId !== session.organizationId) return;
      deliver('event: members-changed\ndata: {"background":true}\n\n');
    };
    runtime.services.events.on('members-changed', onChange);
    runtime.services.events.on('background-changed', onBackground);
    const ping = setInterval(() => deliver(': ping\n\n'), 25_000);
    // Ended here (its hash), or some session ended on another process (null: check this one again).
    const stopListening = sessions.onEnd((ended) => {
      if (ended === tokenHash) close();
      else if (ended === null) void sessions.stillActive(token).then((ok) => ok || close(), close);
    });
    res.on('close', () => {
      clearInterval(ping);
      stopListening();
      runtime.services.events.off('members-changed', onChange);
      runtime.services.events.off('background-changed', onBackground);
    });
  }

  server.on('listening', () => {
    const address = server.address();
    if (address && typeof address === 'object') boundPort = address.port;
  });
  return server;
}

function serveStatic(root: string, pathname: string, res: ServerResponse): void {
  const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  let file = join(root, rel);
  if (!file.startsWith(root + sep) && file !== root) return send(res, 404, 'Not found.');
  if (!existsSync(file) || statSync(file).isDirectory()) {
    // The console is a single page: unknown paths are its routes.
    if (extname(rel)) return send(res, 404, 'Not found.');
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
