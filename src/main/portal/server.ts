import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Services } from '../services';
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

/**
 * The desktop app's invitee pages: listens where the install's settings say (HTTPS with the
 * organization's certificate when given) and moves when the settings change.
 */
export function createPortalHost(services: Services): { start(): Promise<string>; stop(): Promise<void> } {
  let server: Server | null = null;
  const onChange = () => services.events.emit('members-changed');
  const listen = async (): Promise<string> => {
    const s = services.portal.current;
    const handle = createPortalHandler({ deps: services.deps, onChange });
    const listener = (req: IncomingMessage, res: ServerResponse) => void respond(handle, req, res);
    server = s.tlsCertPath && s.tlsKeyPath ? createHttpsServer({ cert: readFileSync(s.tlsCertPath), key: readFileSync(s.tlsKeyPath) }, listener) : createServer(listener);
    const current = server;
    await new Promise<void>((resolve, reject) => {
      current.once('error', reject);
      current.listen(s.port, s.host, () => resolve());
    });
    return services.portal.baseUrl();
  };
  const close = () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  const restart = () => {
    void close()
      .then(listen)
      .catch((e: unknown) => console.error('[roster portal] cannot listen:', e instanceof Error ? e.message : e));
  };
  return {
    start: async () => {
      services.events.on('portal-settings-changed', restart);
      return listen();
    },
    stop: async () => {
      services.events.off('portal-settings-changed', restart);
      await close();
    },
  };
}
