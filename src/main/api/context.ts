import type { Services } from '../services';

/** Where the session token lives: an HttpOnly cookie in web mode, the main process's memory over IPC. */
export interface SessionCarrier {
  get(): string | null;
  set(token: string): void;
  clear(): void;
}

export interface ContextInner {
  services: Services;
  sessionCarrier: SessionCarrier;
  /** How long ago the person last used the console, when the console says so (idle lock). */
  userIdleMs?: number | null;
  /** Where the call comes from, for the guess limiter: the socket address in web mode, "desktop" over IPC. */
  client?: string;
}

/** The part tests build directly and hand to `createCaller`. */
export function createContextInner(opts: ContextInner): ContextInner {
  return opts;
}

export type Context = ContextInner;

/** A carrier that keeps the token in memory: IPC (one per window) and tests. */
export function memoryCarrier(): SessionCarrier {
  let token: string | null = null;
  return {
    get: () => token,
    set: (t) => {
      token = t;
    },
    clear: () => {
      token = null;
    },
  };
}
