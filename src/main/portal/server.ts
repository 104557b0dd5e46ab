import { createServer, type Server } from 'node:http';
import type { ServiceDeps } from '../services/deps';
import { createPortalHandler } from './routes';
import { portalHeaders } from './security';

/**
 * The invitee pages on their own server, for the desktop app (default 127.0.0.1:8450). Bound to
 * loopback unless the admin chooses another address; then it should sit behind HTTPS.
 */
export function createPortalServer(deps: ServiceDeps, onChange?: () => void): Server {
  const handle = createPortalHandler({ deps, onChange });
  return createServer((req, res) => {
    handle(req, res)
      .then((handled) => {
        if (!handled) {
          portalHeaders(res);
          res.statusCode = 404;
          res.setHeader('Content-Type', 'text/plain; charset=utf-8');
          res.end('Not found.');
        }
      })
      .catch((e: unknown) => {
        console.error('[roster portal]', e instanceof Error ? e.message : e);
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end('Something went wrong.');
        }
      });
  });
}
