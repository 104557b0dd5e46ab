import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { displayProblemForKey } from '../../shared/invisible-text';
import type { ConsolePermission } from '../../shared/permissions';
import type { ErrorCode } from '../../shared/errors';
import type { Authz } from '../core/authz';
import { DomainError, isDomainError } from '../core/errors';
import type { AdminActor } from '../services/actor';
import { callEnded, callStarted } from '../services/in-flight';
import type { Session } from '../services/sessions';
import type { Context } from './context';
import { databaseProblem, DomainTRPCError } from './errors';

/**
 * Every procedure declares what it needs: a console permission, 'signedIn' (any console user),
 * 'public' (registration, sign-in) or 'link' (a link's token is the credential). No procedure is
 * 'link' today: an invitee's token goes only through the portal's pages (src/main/portal/), with
 * their rate limits and CSRF checks; an admin procedure refuses to run under it.
 */
export interface Meta {
  permission: ConsolePermission | 'signedIn' | 'public' | 'link';
  /** The permission must be held at the company account: the procedure acts on the whole organization. */
  orgWide?: boolean;
}

function firstZodIssue(e: ZodError): string {
  const issue = e.issues[0];
  if (!issue) return 'The request is not valid.';
  const path = issue.path.join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    errorFormatter({ shape, error }) {
      const zod = error.cause instanceof ZodError ? error.cause : null;
      const domainCode: ErrorCode | null = error instanceof DomainTRPCError ? error.domainCode : zod ? 'VALIDATION' : null;
      return {
        ...shape,
        // Internal errors never leak their text (it may hold paths or secrets).
        message: zod
          ? firstZodIssue(zod)
          : error.code === 'INTERNAL_SERVER_ERROR'
            ? 'Something went wrong in Roster. Try again; if it persists, see the log.'
            : error.code === 'PAYLOAD_TOO_LARGE'
              ? 'This request is larger than Roster accepts. Send fewer entries at once.'
              : shape.message,
        data: { ...shape.data, stack: undefined, domainCode, field: error.cause instanceof DomainError ? (error.cause.details?.field ?? null) : (zod?.issues[0]?.path.join('.') ?? null) },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Control characters (NUL included) other than tab and line breaks. */
// oxlint-disable-next-line no-control-regex -- finding control characters is the point.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first string in an input that Roster refuses to store or search, with where it is. */
export function textProblem(value: unknown, path: string[] = []): { field: string; message: string } | null {
  if (typeof value === 'string') {
    // The field's name is spelled only for a problem: every call passes here (its every string).
    const field = () => path.join('.');
    const where = () => {
      const f = field();
      return f ? `${f}: ` : '';
    };
    if (LONE_SURROGATE.test(value)) return { field: field(), message: `${where()}the text contains a broken character (half of an emoji or symbol): type it again.` };
    if (CONTROL.test(value)) return { field: field(), message: `${where()}the text contains an invisible control character: remove it and try again.` };
    // Display names and descriptions (shared/invisible-text.ts): no hidden direction control, not only invisible characters.
    const display = displayProblemForKey(value, path[path.length - 1]);
    // A top-level field is named by the error's field; a nested one (entries.3.name) is said where it is.
    if (display) return { field: field(), message: path.length > 1 ? `${where()}${display.charAt(0).toLowerCase()}${display.slice(1)}` : display };
    return null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = textProblem(value[i], [...path, String(i)]);
      if (p) return p;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = textProblem(v, [...path, k]);
      if (p) return p;
    }
  }
  return null;
}

/** Routers whose commands change what sync pushes (members, roles, sub-accounts). */
const DIRECTORY_ROUTERS = ['members.', 'roles.', 'accounts.'];

/** What a middleware's `next()` answers, as far as the door reads it. */
type NextResult = { ok: true } | { ok: false; error: { cause?: unknown } };

/** A domain or store error thrown before `next()` (the caller's session load), as the door maps one from a result. */
function mappedThrow(e: unknown): unknown {
  if (e instanceof TRPCError) return e;
  if (isDomainError(e)) return new DomainTRPCError(e.code, e.message, e);
  const store = databaseProblem(e);
  if (store) {
    console.error(`[roster] store: ${store.message} (${(e as Error).message})`);
    return new DomainTRPCError(store.code, store.message, store);
  }
  return e;
}

/**
 * The door of every procedure (each middleware of tRPC costs every call a copy of its options and a
 * result wrapper: the console's hottest read went through four; a console procedure's door also
 * loads its caller, one middleware in all):
 * - text is checked before zod and before any query: well-formed Unicode, no control characters;
 * - domain errors become tRPC errors here, once, for every procedure; so do database errors a user
 *   can act on;
 * - after a member, role or sub-account command succeeded (its transaction committed, its sync rows
 *   with it), the 'directory-changed' event wakes the sync sender instead of leaving it to its poll.
 *   After any command succeeded, 'committed' wakes the mail sender: the notifier's own wake-up can
 *   come before a PostgreSQL commit has landed, and would then find nothing to send;
 * - the calls under way are counted (services/in-flight.ts).
 */
async function throughDoor<R extends NextResult>(
  opts: { ctx: Context; type: string; path: string; getRawInput: () => Promise<unknown> },
  proceed: () => Promise<R>,
): Promise<R> {
  const { ctx, type, path } = opts;
  const problem = textProblem(await opts.getRawInput());
  if (problem) {
    const cause = new DomainError('VALIDATION', problem.message, { field: problem.field });
    throw new DomainTRPCError(cause.code, cause.message, cause);
  }
  callStarted();
  let result: R;
  try {
    result = await proceed();
  } catch (e) {
    throw mappedThrow(e);
  } finally {
    callEnded();
  }
  if (!result.ok && isDomainError(result.error.cause)) {
    const cause = result.error.cause;
    throw new DomainTRPCError(cause.code, cause.message, cause);
  }
  if (!result.ok) {
    const store = databaseProblem(result.error.cause);
    if (store) {
      // The cause goes to the log (the disk is full, not "cannot rollback"); the user gets the sentence.
      console.error(`[roster] store: ${store.message} (${(result.error.cause as Error).message})`);
      throw new DomainTRPCError(store.code, store.message, store);
    }
  }
  if (result.ok && type === 'mutation') {
    // Which organization it changed (team mode tells the other processes' consoles of that organization only).
    ctx.services.events.emit('committed', { organizationId: actedIn.get(ctx) ?? null });
    if (DIRECTORY_ROUTERS.some((r) => path.startsWith(r))) ctx.services.events.emit('directory-changed');
  }
  return result;
}

/** The organization a call acts in, noted by the console door for the announcement above (same context object). */
const actedIn = new WeakMap<object, number>();

const door = t.middleware((opts) => throughDoor(opts, () => opts.next()));

export const publicProcedure = t.procedure.use(door).meta({ permission: 'public' });

export interface SignedIn {
  session: Session;
  token: string;
  authz: Authz;
  actor: AdminActor;
  organizationId: number;
}

/**
 * The caller's session, member and authorization: one query (SessionStore.resumeWithMember), and
 * once per request where the transport makes a context per request (HTTP, IPC: `ctx.request`), so
 * the calls of one batch share it. Never across requests: a role taken away counts at the next one.
 */
function loadCaller(ctx: Context): Promise<{ token: string; session: Session; memberId: number; authz: Authz }> {
  const scope = ctx.request;
  if (scope?.caller) return scope.caller as Promise<{ token: string; session: Session; memberId: number; authz: Authz }>;
  const loading = (async () => {
    const token = ctx.sessionCarrier.get();
    const found = await ctx.services.sessions.resumeWithMember(token, ctx.userIdleMs ?? null);
    if (!found || !token)
      throw new DomainTRPCError('NOT_SIGNED_IN', (await ctx.services.sessions.endReason(token)) ?? 'Your session has ended: sign in again.', null);
    const { session, member, authz } = found;
    if (!member || member.status !== 'accepted' || !authz) {
      await ctx.services.sessions.signOut(token);
      throw new DomainTRPCError('NOT_SIGNED_IN', 'You are no longer an active member of this organization.', null);
    }
    if (!authz.hasConsoleAccess()) throw new DomainTRPCError('NO_CONSOLE_ACCESS', 'Your roles give you no access to the admin console.', null);
    return { token, session, memberId: member.id, authz };
  })();
  if (scope) scope.caller = loading;
  return loading;
}

/**
 * A console procedure's door: the door above, then the signed-in admin loaded and the procedure's
 * declared permission checked, in the main process.
 */
const consoleDoor = t.middleware((opts) =>
  throughDoor(opts, async () => {
    const { ctx, meta } = opts;
    const { token, session, memberId, authz } = await loadCaller(ctx);
    const permission = meta?.permission;
    if (!permission || permission === 'public' || permission === 'link')
      throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Procedure declares no console permission' });
    if (permission !== 'signedIn' && !authz.canAnywhere(permission))
      throw new DomainTRPCError('FORBIDDEN', 'Your roles do not allow this. Ask an Owner or Admin for the permission.', null);
    if (meta?.orgWide && permission !== 'signedIn' && !authz.can(permission))
      throw new DomainTRPCError('FORBIDDEN', 'This applies to the whole organization: it needs the permission at the company account, not only at a sub-account.', null);
    actedIn.set(ctx, session.organizationId);
    const signedIn: SignedIn = {
      session,
      token,
      authz,
      organizationId: session.organizationId,
      actor: { personId: session.personId, memberId, label: session.email, authz },
    };
    // tRPC adds `signedIn` to the context (a copy of ours with it).
    return opts.next({ ctx: { signedIn } });
  }),
);

/** A procedure for a signed-in admin holding `permission` somewhere in the organization. */
export function adminProcedure(permission: Meta['permission'], options: { orgWide?: boolean } = {}) {
  return t.procedure.use(consoleDoor).meta({ permission, orgWide: options.orgWide });
}
