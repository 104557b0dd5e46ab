import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRPCError } from '@trpc/server';
import { expect, inject } from 'vitest';
import { ZodError } from 'zod';
import { createContextInner, memoryCarrier } from '../../src/main/api/context';
import { createCaller } from '../../src/main/api/router';
import { AdjustableClock } from '../../src/main/core/clock';
import { DomainError } from '../../src/main/core/errors';
import type { OpenedStore } from '../../src/main/db/connect';
import { openDirectory } from '../../src/main/db/directory';
import { createTestDatabase, TEMPLATE_DATABASE } from '../support/postgres';
import type { LinkIssued } from '../../src/main/services/deps';
import { createServices, type Services } from '../../src/main/services/index';
import { batchRunnerFor } from '../../src/main/workers/batch-runner';
import { readRunnerFor } from '../../src/main/workers/read-runner';
import { inviteeDoor } from './invitee-door';

export const PASSWORD = 'correct horse battery staple';
export const OWNER_EMAIL = 'owner@acme.test';
export const BASE_URL = 'http://127.0.0.1:8450';

export type Caller = ReturnType<typeof createCaller>;

export interface TestEnv {
  dir: string;
  store: OpenedStore;
  clock: AdjustableClock;
  services: Services;
  /** Every link the services asked to be mailed, in order. */
  mail: LinkIssued[];
  /** A fresh caller with its own session carrier (a separate browser). */
  caller(): Caller;
  close(): Promise<void>;
}

/** Which store the unit suite runs on: SQLite (default) or PostgreSQL (ROSTER_TEST_STORE=postgres). */
export const TEST_STORE: 'sqlite' | 'postgres' = process.env.ROSTER_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * A fresh, migrated store with a clock the test moves: a real SQLite file in a fresh temporary
 * folder, or (ROSTER_TEST_STORE=postgres) a database of its own on the run's throwaway cluster.
 * The temporary folder exists either way, for tests that keep files next to the store.
 */
export async function openTestStore(prefix = 'roster-unit-'): Promise<{ dir: string; store: OpenedStore; clock: AdjustableClock; remove(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (TEST_STORE === 'postgres') {
    const database = await createTestDatabase(inject('pgAdminUrl'), { from: TEMPLATE_DATABASE });
    const store = await openDirectory({ databaseUrl: database.url, max: 4 });
    return {
      dir,
      store,
      clock: new AdjustableClock(),
      remove: async () => {
        await store.close();
        await database.drop();
        // A worker thread closing its connection may still be removing its -wal/-shm files: retried (ENOTEMPTY).
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
      },
    };
  }
  const store = await openDirectory({ sqlitePath: join(dir, 'roster.sqlite') });
  return {
    dir,
    store,
    clock: new AdjustableClock(),
    remove: async () => {
      await store.close();
      // A worker thread closing its connection may still be removing its -wal/-shm files: retried (ENOTEMPTY).
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    },
  };
}

/** A caller factory: each call is a separate browser with its own session. */
export function callers(services: Services): () => Caller {
  return () => createCaller(createContextInner({ services, sessionCarrier: memoryCarrier() }));
}

export async function createEnv(): Promise<TestEnv> {
  const { dir, store, clock, remove } = await openTestStore();
  const mail: LinkIssued[] = [];
  const services = createServices({
    db: store.db,
    clock,
    publicBaseUrl: () => BASE_URL,
    notifier: {
      linksIssued: async (_trx, events) => {
        mail.push(...events);
      },
    },
    // A session's authorization is kept between calls where the store can say when it changed (SQLite).
    authzGeneration: store.authzGeneration,
  });
  // Long batches run in the worker thread, as in the app (SQLite file stores).
  services.deps.batches = batchRunnerFor(store);
  // Counts over the directory run in the read worker, as in the app (SQLite file stores).
  const reads = readRunnerFor(store);
  services.deps.reads = reads;
  // The read workers' threads end with the test's store, as the app's do with its runtime.
  const close = async () => {
    await reads?.close();
    await remove();
  };
  return { dir, store, clock, services, mail, caller: callers(services), close };
}

/** Registers the organization's Owner; the returned caller is signed in as the Owner. */
export async function registerOwner(env: TestEnv, opts: { organizationName?: string; email?: string } = {}) {
  const owner = env.caller();
  await owner.auth.register({ organizationName: opts.organizationName ?? 'Acme', email: opts.email ?? OWNER_EMAIL, password: PASSWORD });
  const state = await owner.auth.state();
  if (!state.me) throw new Error('Registration did not sign the Owner in');
  return { caller: owner, memberId: state.me.memberId, organizationId: state.me.organization.id };
}

export function tokenOf(url: string): string {
  return url.split('/').pop()!;
}

export async function inviteLinkToken(caller: Caller, id: number): Promise<string> {
  const { url } = await caller.members.copyInviteLink({ id });
  return tokenOf(url);
}

/** The last link mailed to this address (optionally of a kind). */
export function lastMailedToken(env: TestEnv, email: string, kind?: LinkIssued['kind']): string {
  const found = [...env.mail].reverse().find((m) => m.email.toLowerCase() === email.toLowerCase() && (!kind || m.kind === kind));
  if (!found) throw new Error(`No link was mailed to ${email}`);
  return tokenOf(found.url);
}

export async function roleId(caller: Caller, name: string): Promise<number> {
  const roles = await caller.roles.list();
  const r = roles.find((x) => x.name === name);
  if (!r) throw new Error(`No role named ${name}`);
  return r.id;
}

/** Invites one address with the given role; returns its member id. */
export async function invite(caller: Caller, email: string, roleName = 'Admin'): Promise<number> {
  const r = await caller.members.invite({ entries: [{ email }], grants: { roleIds: [await roleId(caller, roleName)] } });
  const got = r.invited.find((i) => i.email === email);
  if (!got) throw new Error(`${email} was not invited: ${JSON.stringify(r.skipped)}`);
  return got.memberId;
}

/** Invites, accepts with a password; returns the member id. One scrypt hash. */
export async function inviteAndAccept(env: TestEnv, caller: Caller, email: string, roleName = 'Admin'): Promise<number> {
  const id = await invite(caller, email, roleName);
  await inviteeDoor(env).accept({ token: lastMailedToken(env, email, 'invitation'), password: PASSWORD });
  return id;
}

export async function signedIn(env: TestEnv, email: string): Promise<Caller> {
  const c = env.caller();
  const r = await c.auth.signIn({ email, password: PASSWORD });
  // Someone with console access in several organizations picks one: the first (oldest), as before the choice existed.
  if (!r.ok) await c.auth.signIn({ email, password: PASSWORD, organizationId: r.organizations[0]!.id });
  return c;
}

export interface CaughtError {
  code: string;
  domainCode: string | null;
  message: string;
  /** The form field the console is told about (the router's errorFormatter: a domain error's field, else the first zod issue's path). */
  field: string | null;
  /** For an input refused by zod, its first issue's own message (the console shows it after "field: "); else the message. */
  issue: string;
}

/** Awaits a promise that must reject with a TRPCError; returns its transport and domain codes. */
export async function caught(p: Promise<unknown>): Promise<CaughtError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TRPCError);
    const err = e as TRPCError & { domainCode?: string; data?: { domainCode?: string } };
    const zod = err.cause instanceof ZodError ? err.cause.issues[0] : undefined;
    const field = err.cause instanceof DomainError ? ((err.cause.details?.field as string | undefined) ?? null) : zod ? zod.path.join('.') : null;
    return { code: err.code, domainCode: err.domainCode ?? err.data?.domainCode ?? (zod ? 'VALIDATION' : null), message: err.message, field, issue: zod?.message ?? err.message };
  }
  throw new Error('Expected the call to fail, but it succeeded');
}

export async function statusOf(caller: Caller, id: number): Promise<string | undefined> {
  const page = await caller.members.list({ limit: 500 });
  return page.items.find((m) => m.id === id)?.status;
}

/** The whole file, chunk by chunk, as the Settings card fetches it. */
export async function exportFile(caller: Caller): Promise<string> {
  let text = '';
  let cursor: { afterId: number; written: number; sig: string } | null = null;
  for (;;) {
    const chunk: { text: string; next: { afterId: number; written: number; sig: string } | null } = await caller.orgTransfer.exportChunk({ cursor });
    text += chunk.text;
    if (!chunk.next) return text;
    cursor = chunk.next;
  }
}
