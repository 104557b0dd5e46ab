import { openSecondConnection } from '../db/connect';
import { checkpointLog } from '../db/log-checkpoints';
import { tidySearchIndexStep } from '../db/search-tidy';
import type { Db } from '../db/database';
import { MailConfigResolver } from '../mail/config';
import { OutboxNotifier } from '../mail/notifier';
import type { SecretBox } from '../mail/secrets';
import type { SmtpConfig } from '../mail/transport';
import type { LinkIssued, Notifier, ServiceDeps } from '../services/deps';
import type { GuessLimiter } from '../services/guesses';
import { inviteMembers, type InviteResult } from '../services/members/invite';
import { loadAuthz } from '../services/organizations';
import type { ImportResult } from '../services/org-transfer-import';
import { runImportJob } from './import-job';
import type { BatchJob, BatchProgress } from './jobs';

/**
 * One batch inside the worker: its own connection to the same SQLite file (WAL, BEGIN IMMEDIATE,
 * the busy timeout of every connection), the same service code and one transaction as on the main
 * thread; the outbox rows are written in that transaction exactly as the main thread's notifier does.
 */
export async function runBatchJob(job: BatchJob, progress: (p: BatchProgress) => void): Promise<{ result: InviteResult | ImportResult | boolean; events: LinkIssued[] }> {
  if (job.kind === 'org-import') return { result: await runImportJob(job, progress), events: [] };
  if (job.kind === 'checkpoint') return { result: checkpointLog(job.file), events: [] };
  if (job.kind === 'search-tidy') return { result: await tidySearchIndexStep(job.file, job.pages, job.start), events: [] };
  const db = openSecondConnection(job.file);
  try {
    const now = new Date(job.now);
    const clock = { now: () => new Date(now) };
    const events: LinkIssued[] = [];
    const outbox = job.outbox ? outboxNotifier(db, clock, job.outbox.envFromAddress) : null;
    const notifier: Notifier = {
      linksIssued: async (trx, issued) => {
        events.push(...issued);
        await outbox?.linksIssued(trx, issued);
      },
    };
    const deps: ServiceDeps = {
      db,
      clock,
      publicBaseUrl: () => job.publicBaseUrl,
      notifier,
      // Inviting checks no password, code or token: the limiter lives on the main thread.
      guesses: null as unknown as GuessLimiter,
    };
    const authz = await loadAuthz(db, job.organizationId, job.actor.memberId);
    const result = await inviteMembers(deps, { ...job.actor, authz }, job.organizationId, job.input, progress);
    return { result, events };
  } finally {
    await db.destroy();
  }
}

/** The outbox notifier as the main thread builds it; only the sender's domain (message ids) comes from the configuration. */
function outboxNotifier(db: Db, clock: { now(): Date }, envFromAddress: string | null): OutboxNotifier {
  // The worker never decrypts the SMTP password: the notifier reads the sender address only.
  const secrets: SecretBox = { kind: 'batch-worker', encrypt: () => '', decrypt: () => '' };
  const env: SmtpConfig | null = envFromAddress ? { host: '', port: 0, security: 'none', username: null, password: null, fromName: null, fromAddress: envFromAddress } : null;
  return new OutboxNotifier(clock, new MailConfigResolver(db, secrets, env));
}
