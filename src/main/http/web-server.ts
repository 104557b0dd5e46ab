import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { SessionCarrier } from '../api/context';
import { hashToken } from '../core/tokens';
import { createContextInner } from '../api/context';
import { appRouter } from '../api/router';
import { createPortalHandler } from '../portal/routes';
import type { Runtime } from '../runtime';
import { createWebShell, send, type WebApp } from './web-shell';

export { CONTENT_SECURITY_POLICY } from './web-shell';

export const SESSION_COOKIE = 'roster_session';

function readCookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      // A malformed value (another app on this host can set cookies for it) is no session, not a failure.
      return null;
    }
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
 * The renderer and the router over HTTP, bound to loopback only (the runtime already started; web
 * mode itself starts listening first: serve-main.ts).
 */
export function createWebServer(opts: WebServerOptions): Server {
  const app = createWebApp(opts.runtime);
  return createWebShell({ rendererDir: opts.rendererDir, port: opts.port, app: () => app });
}

/**
 * What web mode answers with its runtime: the invitee pages, the event stream, the router and the
 * test hooks; the shell (web-shell.ts) adds the Host check, /healthz and the renderer's files.
 * State-changing calls must come from our own origin.
 */
export function createWebApp(runtime: Runtime): WebApp {
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
    let procedures: string[];
    try {
      procedures = decodeURIComponent(pathname.slice('/trpc/'.length)).split(',');
    } catch {
      return BODY_LIMIT;
    }
    if (!procedures.every((p) => BATCH_PROCEDURES.has(p))) return BODY_LIMIT;
    const session = await runtime.services.sessions.resume(readCookie(req, SESSION_COOKIE), idleHeader(req.headers['x-roster-idle-ms']));
    return session ? BATCH_BODY_LIMIT : BODY_LIMIT;
  }

  // The invitee pages run beside the console in web mode.
  const portal = createPortalHandler({ deps: runtime.services.deps, onChange: () => runtime.services.events.emit('members-changed') });

  const handle: WebApp = async (req, res, url, allowedHosts) => {
    // The invitee pages carry their own CSRF tokens (and send Origin: null under no-referrer).
    if (await portal(req, res)) return true;
    if (url.pathname === '/events') {
      await streamEvents(req, res);
      return true;
    }
    const origin = req.headers.origin;
    if (req.method !== 'GET' && req.method !== 'HEAD' && origin && !allowedHosts.map((h) => `http://${h}`).includes(origin)) {
      send(res, 403, 'Cross-origin requests are refused.');
      return true;
    }
    if (url.pathname.startsWith('/trpc/')) {
      res.setHeader('Cache-Control', 'no-store');
      const limit = await bodyLimitFor(req, url.pathname);
      if (Number(req.headers['content-length'] ?? 0) > limit) tooLarge(res, limit);
      else await (limit === BATCH_BODY_LIMIT ? trpcBatch : trpc)(req, res);
      return true;
    }
    if (url.pathname === '/__test/clock' && runtime.testClock && req.method === 'POST') {
      const body = (await readJson(req)) as { advanceMs?: number };
      runtime.testClock.advance(Number(body.advanceMs ?? 0));
      send(res, 200, JSON.stringify({ now: runtime.testClock.now().toISOString() }), 'application/json');
      return true;
    }
    if (url.pathname === '/__test/last-link' && runtime.testLinks) {
      const email = url.searchParams.get('email')?.toLowerCase();
      const kind = url.searchParams.get('kind');
      const found = [...runtime.testLinks].reverse().find((l) => l.email.toLowerCase() === email && (!kind || l.kind === kind));
      if (found) send(res, 200, JSON.stringify({ url: found.url }), 'application/json');
      else send(res, 404, 'No such link.');
      return true;
    }
    return false;
  };
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

  return handle;
}
