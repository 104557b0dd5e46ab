import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime, type Runtime } from '../runtime';
import { createPortalServer } from './server';

/**
 * The invitee pages as their own process (`npm run portal -- --database-url … --port …`), for an
 * organization that publishes them on one server next to the admins' desktops. Team mode only:
 * the directory is the shared PostgreSQL database. It serves the portal and nothing else (no admin
 * console, no tRPC). What an invitee does is announced over the change feed (the admins' screens
 * refresh); the mails it causes wait in the shared outbox, sent by the admins' processes, which the
 * announcement wakes. No sender, backup or expiry sweep runs here.
 */

export class PortalNeedsTeamMode extends Error {
  constructor() {
    super(
      'The invitee pages run as their own process only in team mode: give --database-url postgres://… (or ROSTER_DATABASE_URL). ' +
        'A directory on this computer (SQLite) allows one process per data folder: there the desktop app or `npm run serve` serves the invitee pages itself.',
    );
    this.name = 'PortalNeedsTeamMode';
  }
}

export interface PortalProcess {
  runtime: Runtime;
  server: Server;
  /** Where it listens, http://host:port. */
  base: string;
  stop(): Promise<void>;
}

export async function startPortalProcess(opts: { databaseUrl: string | null; port: number; host?: string }): Promise<PortalProcess> {
  if (!opts.databaseUrl || !/^postgres(ql)?:\/\//i.test(opts.databaseUrl)) throw new PortalNeedsTeamMode();
  // This process keeps no files of its own: a throwaway folder stands in for the data folder.
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-portal-'));
  const host = opts.host ?? '127.0.0.1';
  let base = '';
  let runtime: Runtime;
  try {
    runtime = await startRuntime({ dataDir, databaseUrl: opts.databaseUrl, background: false, publicBaseUrl: () => process.env.ROSTER_PUBLIC_URL ?? base });
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const server = createPortalServer(runtime.services.deps, () => runtime.services.events.emit('members-changed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const address = server.address();
  base = `http://${host}:${address && typeof address === 'object' ? address.port : opts.port}`;
  return {
    runtime,
    server,
    base,
    stop: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
