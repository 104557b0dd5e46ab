// Parses a large CSV file off the main thread (the invite dialog stays responsive and shows progress).
// Loaded as a same-origin module worker: allowed by the CSP's script-src 'self' (no worker-src needed).
import { parseCsv, type CsvImport } from './csv-import';

export type CsvWorkerMessage = { type: 'progress'; fraction: number } | { type: 'done'; result: CsvImport } | { type: 'error'; message: string };

const scope = self as unknown as { postMessage(m: CsvWorkerMessage): void; onmessage: ((e: MessageEvent<{ file: File }>) => void) | null };

scope.onmessage = (e) => {
  const { file } = e.data;
  file
    .text()
    .then((text) => {
      scope.postMessage({ type: 'progress', fraction: 0 });
      const result = parseCsv(file.name, text, (fraction) => scope.postMessage({ type: 'progress', fraction }));
      scope.postMessage({ type: 'done', result });
    })
    .catch((err: unknown) => scope.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
