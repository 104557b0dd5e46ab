/**
 * The push's worker pool: items in order, at most `limit` at once. Items are marked (in flight, in
 * the store) a chunk at a time before any item of the chunk starts; the next chunk is marked while
 * this one's requests go out, so the first request waits for one chunk, not for every object.
 * Returns once every mark it started is settled (none outlives the push).
 */
export async function runInOrder<T>(items: T[], opts: { limit: number; chunk: number; mark(part: T[]): Promise<void>; stopped(): boolean }, fn: (item: T) => Promise<void>): Promise<void> {
  const marks: Promise<void>[] = [];
  const marked = (k: number): Promise<void> => {
    if (k * opts.chunk >= items.length) return Promise.resolve();
    if (!marks[k]) {
      marks[k] = opts.mark(items.slice(k * opts.chunk, (k + 1) * opts.chunk));
      // Awaited by the worker that needs it and below; never an unhandled rejection.
      marks[k].catch(() => undefined);
    }
    return marks[k];
  };
  let next = 0;
  const worker = async () => {
    while (!opts.stopped() && next < items.length) {
      const i = next++;
      const k = Math.floor(i / opts.chunk);
      await marked(k);
      void marked(k + 1);
      await fn(items[i]!);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(opts.limit, items.length) }, worker));
  } finally {
    await Promise.allSettled(marks);
  }
}
