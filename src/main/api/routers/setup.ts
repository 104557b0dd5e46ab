import { z } from 'zod';
import { DomainError } from '../../core/errors';
import type { Services } from '../../services';
import type { FirstRun } from '../../services/first-run';
import { publicProcedure, router } from '../trpc';

function firstRunOf(services: Services): FirstRun | null {
  return services.store?.firstRun ?? null;
}

const databaseUrl = z.string().trim().min(1, 'Enter the database URL, postgres://user:password@host:5432/database.').max(2000);

/**
 * The first screen's choice of store (issue 13, item 1). Public because no one can sign in yet, and
 * therefore fenced in the service: only before the first registration (ALREADY_REGISTERED after),
 * only from the desktop window or loopback (a connection test reaches any host it is given: an
 * SSRF-like probe otherwise), one test at a time and a few a minute.
 */
export const setupRouter = router({
  /** Whether the first screen offers the choice, and a choice recorded but not yet in use. */
  state: publicProcedure.query(async ({ ctx }) => (await firstRunOf(ctx.services)?.state(ctx.client)) ?? { offered: false, chosen: null, canRestart: false }),

  /** Tests a PostgreSQL URL: reachable, and an empty database or a Roster directory (never another application's). */
  testDatabase: publicProcedure.input(z.object({ databaseUrl })).mutation(({ ctx, input }) => {
    const firstRun = firstRunOf(ctx.services);
    if (!firstRun) throw new DomainError('VALIDATION', 'The store cannot be chosen from this process.');
    return firstRun.test(ctx.client, input.databaseUrl);
  }),

  /** Tests it again and records it for the next start (store.json in the data folder); Roster asks for a restart. */
  chooseDatabase: publicProcedure.input(z.object({ databaseUrl })).mutation(({ ctx, input }) => {
    const firstRun = firstRunOf(ctx.services);
    if (!firstRun) throw new DomainError('VALIDATION', 'The store cannot be chosen from this process.');
    return firstRun.choose(ctx.client, input.databaseUrl);
  }),

  /** Restarts Roster on the recorded choice, where the process can (desktop app, web mode under `npm start`). */
  restart: publicProcedure.mutation(({ ctx }) => {
    const firstRun = firstRunOf(ctx.services);
    if (!firstRun) throw new DomainError('VALIDATION', 'The store cannot be chosen from this process.');
    return firstRun.restart(ctx.client);
  }),

  /** Forgets a recorded choice before the restart: the directory stays on this computer. */
  keepLocal: publicProcedure.mutation(({ ctx }) => {
    const firstRun = firstRunOf(ctx.services);
    if (!firstRun) throw new DomainError('VALIDATION', 'The store cannot be chosen from this process.');
    return firstRun.keepLocal(ctx.client);
  }),
});
