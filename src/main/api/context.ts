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
  /**
   * Present when the transport made this context for one request (HTTP, IPC): what the calls of
   * that request share (the caller's session and authorization, loaded once). Absent for a
   * `createCaller` context, which lives across calls: there nothing is shared.
   */
  request?: RequestScope;
}

/** Per-request memo, filled by api/trpc.ts. */
export interface RequestScope {
  caller?: Promise<unknown>;
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
