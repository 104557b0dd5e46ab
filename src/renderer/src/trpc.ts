import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { observable } from '@trpc/server/observable';
// The only thing the renderer takes from the main process: a type.
import type { AppRouter } from '../../main/api/router';

export interface RosterBridge {
  invoke(request: { path: string; type: 'query' | 'mutation' | 'subscription'; input: unknown; idleMs: number }): Promise<
    { ok: true; data: unknown } | { ok: false; error: unknown }
  >;
  onEvent(listener: (name: string) => void): () => void;
  mode: 'electron';
}

declare global {
  interface Window {
    roster?: RosterBridge;
  }
}

// The person's last input, so that refreshes nobody asked for do not keep an unattended console open.
let lastInputAt = Date.now();
if (typeof window !== 'undefined')
  for (const event of ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const) window.addEventListener(event, () => (lastInputAt = Date.now()), { passive: true, capture: true });

export function userIdleMs(): number {
  return Date.now() - lastInputAt;
}

/** Electron: every call goes through the preload's single bridge to the main process. */
function ipcLink(bridge: RosterBridge): TRPCLink<AppRouter> {
  return () =>
    ({ op }) =>
      observable((observer) => {
        bridge
          .invoke({ path: op.path, type: op.type, input: op.input, idleMs: userIdleMs() })
          .then((res) => {
            if (res.ok) {
              observer.next({ result: { type: 'data', data: res.data } });
              observer.complete();
            } else {
              observer.error(TRPCClientError.from({ error: res.error } as never));
            }
          })
          .catch((e: unknown) => observer.error(TRPCClientError.from(e as Error)));
      });
}

export const isElectron = typeof window !== 'undefined' && window.roster?.mode === 'electron';

export const trpcClient = createTRPCClient<AppRouter>({
  links: [
    isElectron
      ? ipcLink(window.roster!)
      : httpBatchLink({ url: '/trpc', headers: () => ({ 'x-roster-client': 'web', 'x-roster-idle-ms': String(userIdleMs()) }) }),
  ],
});

/** Set when the session ended under the admin (idle lock, deactivation); the sign-in page says why. */
export const SESSION_ENDED_KEY = 'roster-session-ended';

function isAuthStateKey(key: readonly unknown[]): boolean {
  return Array.isArray(key[0]) && key[0][0] === 'auth' && key[0][1] === 'state';
}

/** Any call refused for lack of a session sends the console back to sign-in, saying why. */
function onCallError(error: unknown): void {
  if (!(error instanceof TRPCClientError) || error.data?.code !== 'UNAUTHORIZED' || error.data?.path?.startsWith('auth.')) return;
  sessionStorage.setItem(SESSION_ENDED_KEY, error.message);
  void queryClient.invalidateQueries({ predicate: (q) => isAuthStateKey(q.queryKey) });
}

export const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError: onCallError }),
  mutationCache: new MutationCache({ onError: onCallError }),
  defaultOptions: {
    queries: {
      retry: (count, error) => count < 2 && !(error instanceof TRPCClientError && error.data?.httpStatus && error.data.httpStatus < 500),
      refetchOnWindowFocus: true,
      staleTime: 2_000,
    },
  },
});

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** The message to show for a failed call: the domain's own words, never a stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

/** Calls `onChange` whenever the main process says members changed elsewhere (an invitee acted). */
export function subscribeToChanges(onChange: () => void): () => void {
  if (isElectron) return window.roster!.onEvent((name) => name === 'members-changed' && onChange());
  const source = new EventSource('/events');
  source.addEventListener('members-changed', onChange);
  return () => source.close();
}
