import { authRouter } from './routers/auth';
import { accountsRouter, memberAccessProcedures, modulesRouter, rolesRouter } from './routers/access';
import { auditRouter } from './routers/directory';
import { backupRouter } from './routers/backup';
import { mailRouter } from './routers/mail';
import { membersRouter } from './routers/members';
import { organizationsRouter } from './routers/organizations';
import { orgTransferRouter } from './routers/org-transfer';
import { portalRouter } from './routers/portal';
import { setupRouter } from './routers/setup';
import { syncRouter } from './routers/sync';
import { mailTemplatesRouter } from './routers/templates';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  organizations: organizationsRouter,
  members: router({ ...membersRouter._def.record, ...memberAccessProcedures }),
  roles: rolesRouter,
  accounts: accountsRouter,
  modules: modulesRouter,
  audit: auditRouter,
  mail: mailRouter,
  mailTemplates: mailTemplatesRouter,
  portal: portalRouter,
  sync: syncRouter,
  backup: backupRouter,
  orgTransfer: orgTransferRouter,
  setup: setupRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
