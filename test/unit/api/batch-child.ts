// A real process that runs one invite batch through the worker thread and says when the worker is
// writing inside its transaction (batch-worker.test.ts kills it there with SIGKILL).
// Usage: node --import tsx batch-child.ts <store file> <addresses>
import { systemClock } from '../../../src/main/core/clock';
import { openStore } from '../../../src/main/db/connect';
import { createServices } from '../../../src/main/services';
import { inviteMembers } from '../../../src/main/services/members';
import { loadAuthz, registerOwner } from '../../../src/main/services/organizations';
import { batchRunnerFor } from '../../../src/main/workers/batch-runner';

async function main(): Promise<void> {
  const [file, count] = process.argv.slice(2);
  const store = await openStore(file!);
  const services = createServices({ db: store.db, clock: systemClock, publicBaseUrl: () => 'http://127.0.0.1:8450' });
  services.deps.batches = batchRunnerFor(store);
  const { organizationId, memberId, personId } = await registerOwner(services.deps, { organizationName: 'Kill Org', email: 'owner@kill.test', password: 'correct horse battery staple' });
  const actor = { personId, memberId, label: 'owner@kill.test', authz: await loadAuthz(store.db, organizationId, memberId) };
  const entries = Array.from({ length: Number(count) }, (_, i) => ({ email: `p${i}@kill${i % 7}.test` }));
  console.log('READY');
  await inviteMembers(services.deps, actor, organizationId, { entries, grants: { roleIds: [], accountIds: [], permissions: [] }, resendExisting: false }, (p) => {
    if (p.stage === 'writing') console.log('WRITING');
  });
  console.log('COMMITTED');
}

void main();
