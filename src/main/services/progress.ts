import type { BatchProgress } from './deps';

/**
 * How far a long command is, for the console that waits on it (the invite dialog's progress bar):
 * kept in this process's memory under a key the console chose at random for that one call and the
 * person who runs it, so no one else reads it. Transient by nature: the process that runs the
 * command is the one the console asks (its own desktop, or its web-mode server).
 */
const KEEP_MS = 10 * 60_000;

export class ProgressBoard {
  private readonly entries = new Map<string, { progress: BatchProgress; at: number }>();

  report(personId: number, key: string, progress: BatchProgress): void {
    const now = Date.now();
    for (const [k, e] of this.entries) if (now - e.at > KEEP_MS) this.entries.delete(k);
    this.entries.set(`${personId}:${key}`, { progress, at: now });
  }

  read(personId: number, key: string): BatchProgress | null {
    return this.entries.get(`${personId}:${key}`)?.progress ?? null;
  }

  clear(personId: number, key: string): void {
    this.entries.delete(`${personId}:${key}`);
  }
}

const boards = new WeakMap<object, ProgressBoard>();

/** The board of one set of services (one per process; tests build several). */
export function progressBoardOf(services: object): ProgressBoard {
  let board = boards.get(services);
  if (!board) boards.set(services, (board = new ProgressBoard()));
  return board;
}
