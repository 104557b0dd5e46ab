import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value of the batch worker's thread: below the event loop, the page lane and everything else on the machine. */
export const BATCH_THREAD_NICE = 10;

/**
 * Lowers the calling thread's scheduling priority, so long work (an invite batch, an import, a tidy)
 * takes only the CPU that answering requests leaves: with a core free it runs as fast as before;
 * on a machine whose cores are full it yields them to the event loop (issue 17: reads stay fast while
 * a batch runs). Linux keeps a nice value per thread, set through the thread's id (/proc/thread-self);
 * raising it needs no privilege. Elsewhere (Windows, macOS: Node sets a whole process's priority
 * only) nothing changes. Returns whether it was lowered.
 */
export function lowerThreadPriority(nice = BATCH_THREAD_NICE): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    // The main thread's id is the process's: lowering it would slow every request, not a batch.
    if (!Number.isInteger(tid) || tid <= 0 || tid === process.pid) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
