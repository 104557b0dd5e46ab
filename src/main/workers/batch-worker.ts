// Worker-thread entry (electron-vite builds it to out/main/batch-worker.js; tests load the TS source through tsx).
import { parentPort } from 'node:worker_threads';
import { serializeError } from './errors';
import { runBatchJob } from './run-job';
import { lowerThreadPriority } from './thread-priority';
import type { WorkerMessage, WorkerRequest } from './jobs';

/** Runs one batch at a time, each on a fresh connection to the store, and answers with its result or error. */
const port = parentPort;
if (!port) throw new Error('batch-worker runs in a worker thread only');
lowerThreadPriority();

port.on('message', (req: WorkerRequest) => {
  const post = (m: WorkerMessage) => port.postMessage(m);
  runBatchJob(req.job, (progress) => post({ id: req.id, type: 'progress', progress }))
    .then(({ result, events }) => post({ id: req.id, type: 'done', result, events }))
    .catch((e: unknown) => post({ id: req.id, type: 'failed', error: serializeError(e) }));
});
