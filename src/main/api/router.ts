import { authRouter } from './routers/auth';
import { accountsRouter, auditRouter, rolesRouter } from './routers/directory';
import { inviteeRouter } from './routers/invitee';
import { mailRouter } from './routers/mail';
import { membersRouter } from './routers/members';
import { organizationsRouter } from './routers/organizations';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  organizations: organizationsRouter,
  members: membersRouter,
  roles: rolesRouter,
  accounts: accountsRouter,
  audit: auditRouter,
  invitee: inviteeRouter,
  mail: mailRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
