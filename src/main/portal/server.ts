import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { DomainError } from '../core/errors';
import type { Services } from '../services';
import type { PortalSettings } from '../services/portal-settings';
import type { ServiceDeps } from '../services/deps';
import { createPortalHandler } from './routes';
import { portalHeaders } from './security';

/**
 * The invitee pages on their own server, for the desktop app (default 127.0.0.1:8450). Bound to
 * loopback unless the admin chooses another address; then it should sit behind HTTPS.
 */
export function createPortalServer(deps: ServiceDeps, onChange?: () => void): Server {
  const handle = createPortalHandler({ deps, onChange });
  return createServer((req, res) => void respond(handle, req, res));
}

async function respond(handle: ReturnType<typeof createPortalHandler>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (await handle(req, res)) return;
    portalHeaders(res);
    res.statusCode = 404;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('Not found.');
  } catch (e) {
    console.error('[roster portal]', e instanceof Error ? e.message : e);
    if (!res.headersSent) {
      res.statusCode = 500;
      res.end('Something went wrong.');
    }
  }
}

/** Where the desktop app's invitee pages listen; applied before the settings are saved. */
export interface PortalHost {
  start(): Promise<string>;
  /** Listens where `next` says, or throws (and keeps listening where it was). */
  apply(next: PortalSettings): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The desktop app's invitee pages: listens where the install's settings say (HTTPS with the
 * organization's certificate when given) and moves only once the new address works.
 */
export function createPortalHost(services: Services): PortalHost {
  let server: Server | null = null;
  let at: PortalSettings | null = null;
  const onChange = () => services.events.emit('members-changed');
  const handle = createPortalHandler({ deps: services.deps, onChange });
  const listener = (req: IncomingMessage, res: ServerResponse) => void respond(handle, req, res);
  const open = async (s: PortalSettings): Promise<Server> => {
    let created: Server;
    try {
      created = s.tlsCertPath && s.tlsKeyPath ? createHttpsServer({ cert: readFileSync(s.tlsCertPath), key: readFileSync(s.tlsKeyPath) }, listener) : createServer(listener);
    } catch (e) {
      throw new DomainError('VALIDATION', `The certificate or key cannot be used: ${e instanceof Error ? e.message : String(e)}`, { field: 'tlsCertPath' });
    }
    await new Promise<void>((resolve, reject) => {
      created.once('error', (e: NodeJS.ErrnoException) =>
        reject(new DomainError('VALIDATION', `Roster cannot listen on ${s.host}:${s.port}${e.code === 'EADDRINUSE' ? ': another program uses that port' : e.code === 'EADDRNOTAVAIL' ? ': this computer has no such address' : `: ${e.message}`}.`, { field: 'port' })),
      );
      created.listen(s.port, s.host, () => resolve());
    });
    return created;
  };
  const close = (which: Server | null) => new Promise<void>((resolve) => (which ? which.close(() => resolve()) : resolve()));
  return {
    start: async () => {
      at = services.portal.current;
      server = await open(at);
      return services.portal.baseUrl();
    },
    apply: async (next) => {
      const same = at !== null && at.host === next.host && at.port === next.port;
      if (same) {
        // The same address cannot be bound twice: hand it over, and take it back if that fails.
        const previous = at!;
        await close(server);
        try {
          server = await open(next);
        } catch (e) {
          server = await open(previous).catch(() => null);
          throw e;
        }
      } else {
        const created = await open(next);
        await close(server);
        server = created;
      }
      at = next;
    },
    stop: async () => {
      await close(server);
      server = null;
    },
  };
}
