import { afterEach } from 'vitest';
import { createSync, type SyncRuntime } from '../../../src/main/sync/service';
import { fileSecretBox } from '../../../src/main/mail/secrets';
import { createServices } from '../../../src/main/services/index';
import type { LinkIssued } from '../../../src/main/services/deps';
import { BASE_URL, callers, openTestStore, registerOwner, type Caller, type TestEnv } from '../helpers';
import { startScimServer, type TestScim } from '../../support/scim-server';

export interface SyncEnv extends TestEnv {
  sync: SyncRuntime;
  scim: TestScim;
  owner: Caller;
  organizationId: number;
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

/** A Roster store with an Owner, a sync runtime (no background loop: tests push), and a real SCIM server. */
export async function syncEnv(opts: { maxOperations?: number; pollMs?: number } = {}): Promise<SyncEnv> {
  const { dir, store, clock, remove } = await openTestStore('roster-sync-');
  const mail: LinkIssued[] = [];
  const sync = createSync({ db: store.db, clock, secrets: fileSecretBox(dir), pollMs: opts.pollMs });
  const services = createServices({ db: store.db, clock, publicBaseUrl: () => BASE_URL, notifier: { linksIssued: async (_t, events) => void mail.push(...events) }, sync });
  const scim = await startScimServer({ maxOperations: opts.maxOperations });
  const env = { dir, store, clock, services, mail, caller: callers(services), close: remove } as TestEnv;
  open.push(async () => {
    await sync.sender.stop();
    await scim.close();
    await remove();
  });
  const { caller, organizationId } = await registerOwner(env);
  return { ...env, sync, scim, owner: caller, organizationId };
}

export async function connect(e: SyncEnv, extra: Record<string, unknown> = {}): Promise<void> {
  await e.owner.sync.saveSettings({ baseUrl: e.scim.baseUrl, token: e.scim.token, ...extra });
}

/** Requests that change something on the server. */
export function writes(scim: TestScim) {
  return scim.log.filter((l) => l.method !== 'GET');
}
