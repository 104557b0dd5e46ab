// Worker-thread entry (electron-vite builds it to out/main/read-worker.js; tests load the TS source through tsx).
import { parentPort } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import { openReadConnection } from '../db/connect';
import type { Database } from '../db/database';
import { readMemberPage, readSchemaAhead } from '../db/repos/member-list.repo';
import { searchBounds } from '../db/repos/member-search.repo';
import { countMembersMatching } from '../db/repos/members.repo';
import { serializeError } from './errors';
import type { ReadJob, ReadMessage, ReadRequest } from './read-jobs';

/**
 * Answers reads one at a time on one read-only connection (the runner starts one worker for counts
 * and one for Members pages, so a page never waits behind a count), kept open between them (a fresh
 * connection per count re-reads the schema and starts with a cold page cache: 6x slower at
 * 100,000 members). A restore asks it to let the file go first ('release').
 */
const port = parentPort;
if (!port) throw new Error('read-worker runs in a worker thread only');

let open: { file: string; db: Kysely<Database> } | null = null;

async function release(): Promise<void> {
  const db = open?.db;
  open = null;
  await db?.destroy();
}

async function run(job: ReadJob): Promise<unknown> {
  if (job.kind === 'release') {
    await release();
    return 0;
  }
  if (open?.file !== job.file) {
    await release();
    open = { file: job.file, db: openReadConnection(job.file) };
  }
  if (job.kind === 'open') {
    await readSchemaAhead(open.db);
    return 0;
  }
  if (job.kind === 'member-page') {
    Object.assign(searchBounds, job.bounds);
    return readMemberPage(open.db, job.query, async () => job.rolePermissions);
  }
  return countMembersMatching(open.db, job.filter);
}

port.on('message', (req: ReadRequest) => {
  const post = (m: ReadMessage) => port.postMessage(m);
  run(req.job)
    .then((result) => post({ id: req.id, type: 'done', result }))
    .catch((e: unknown) => post({ id: req.id, type: 'failed', error: serializeError(e) }));
});
