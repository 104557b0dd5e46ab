// Loads a CSV file for the invite dialog: refuses a file over the batch limit at once (estimated from its first
// bytes or its line breaks, before parsing), parses a small file here and a large one in a worker with progress and Cancel.
import { useCallback, useEffect, useRef, useState } from 'react';
import { SAMPLE_BYTES, WORKER_THRESHOLD_BYTES, countLineBreaks, limitRefusal, parseCsv, type CsvImport } from './csv-import';
import type { CsvWorkerMessage } from './csv.worker';

export interface CsvLoading {
  fileName: string;
  /** 0..1: reading, then parsing. */
  fraction: number;
}

export function useCsvLoader(onLoaded: (csv: CsvImport) => void) {
  const [loading, setLoading] = useState<CsvLoading | null>(null);
  const [error, setError] = useState<string | null>(null);
  const worker = useRef<Worker | null>(null);

  const cancel = useCallback(() => {
    worker.current?.terminate();
    worker.current = null;
    setLoading(null);
  }, []);
  // A closed dialog stops its parse.
  useEffect(() => cancel, [cancel]);

  const load = useCallback(
    async (file: File) => {
      cancel();
      setError(null);
      const sampleBytes = Math.min(SAMPLE_BYTES, file.size);
      const refusal = await limitRefusal(await file.slice(0, sampleBytes).text(), sampleBytes, file.size, () => countLineBreaks(file.stream()));
      const done = (csv: CsvImport) => {
        if (csv.tooMany) setError(csv.tooMany);
        else onLoaded(csv);
      };
      if (refusal) return setError(refusal);
      if (file.size <= WORKER_THRESHOLD_BYTES) return done(parseCsv(file.name, await file.text()));
      // Where a worker cannot start (a page loaded from file:// may refuse one), the parse runs here, without progress.
      const inPage = async () => done(parseCsv(file.name, await file.text()));
      let w: Worker;
      try {
        w = new Worker(new URL('./csv.worker.ts', import.meta.url), { type: 'module' });
      } catch {
        return inPage();
      }
      worker.current = w;
      setLoading({ fileName: file.name, fraction: 0 });
      let heard = false;
      w.onmessage = (e: MessageEvent<CsvWorkerMessage>) => {
        if (worker.current !== w) return;
        heard = true;
        const m = e.data;
        if (m.type === 'progress') return setLoading({ fileName: file.name, fraction: m.fraction });
        w.terminate();
        worker.current = null;
        setLoading(null);
        if (m.type === 'done') done(m.result);
        else setError(`Could not read ${file.name}: ${m.message}`);
      };
      w.onerror = (e) => {
        if (worker.current !== w) return;
        cancel();
        if (!heard) void inPage();
        else setError(`Could not read ${file.name}: ${e.message || 'the parser stopped'}`);
      };
      w.postMessage({ file });
    },
    [cancel, onLoaded],
  );

  return { loading, error, load, cancel, clearError: () => setError(null) };
}
