import { openSecondConnection } from '../db/connect';
import type { BatchProgress, ServiceDeps } from '../services/deps';
import type { GuessLimiter } from '../services/guesses';
import { parseOrganizationFile } from '../services/org-transfer-format';
import { importOrganization, type ImportResult } from '../services/org-transfer-import';
import { loadAuthz } from '../services/organizations';
import type { OrgImportJob } from './jobs';

/**
 * An organization's file imported inside the worker: parsing and checking a file of 100,000 members
 * and writing it in its one transaction take tens of seconds, during which the main thread keeps
 * answering (WAL: its reads see the last commit; its writes wait for this transaction asynchronously).
 * The actor's permissions are read again here, from this connection.
 */
export async function runImportJob(job: OrgImportJob, progress: (p: BatchProgress) => void): Promise<ImportResult> {
  const db = openSecondConnection(job.file);
  try {
    const now = new Date(job.now);
    const deps: ServiceDeps = {
      db,
      clock: { now: () => new Date(now) },
      publicBaseUrl: () => '',
      // An import mails no one and checks no password.
      guesses: null as unknown as GuessLimiter,
    };
    const authz = await loadAuthz(db, job.organizationId, job.actor.memberId);
    progress({ stage: 'checking', done: 0, total: 0 });
    const file = await parseOrganizationFile(job.text);
    return await importOrganization(deps, { ...job.actor, authz }, file, progress);
  } finally {
    await db.destroy();
  }
}
