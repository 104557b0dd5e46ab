// A bench's server in a child process (its own CPU and event loop), spoken to over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface BenchChild<Ready> {
  /** What the child said when it was ready (its port, its URL…). */
  ready: Ready;
  /** Sends `question` and resolves with the child's next message. */
  ask<T>(question: string): Promise<T>;
  reset(): void;
  close(): Promise<void>;
}

/** Forks `file` (next to this one) under tsx and waits for its `{ ready }` message. */
export async function forkBenchChild<Ready>(file: string, what: string, execArgv: string[] = []): Promise<BenchChild<Ready>> {
  const child: ChildProcess = fork(join(__dirname, file), [], { execArgv: ['--import', 'tsx', ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the ${what} process exited (${code})`)));
    child.once('message', (m) => resolve((m as { ready: Ready }).ready));
  });
  return {
    ready,
    ask: <T>(question: string) =>
      new Promise<T>((resolve) => {
        child.once('message', (m) => resolve(m as T));
        child.send(question);
      }),
    reset: () => void child.send('reset'),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.send('close');
      }),
  };
}
