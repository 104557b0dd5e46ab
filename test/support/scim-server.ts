import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';

/**
 * A real SCIM 2.0 service provider on loopback for the sync tests: scimmy's resources behind
 * scimmy-routers on express 5, with an in-memory store the tests read, a bearer token check (401),
 * userName uniqueness compared without case (409 uniqueness), injectable faults (429/503 with
 * Retry-After, 500, down), a slow mode and a request log.
 */

export interface ScimUser {
  id: string;
  userName: string;
  externalId?: string;
  active?: boolean;
  name?: { formatted?: string; givenName?: string; familyName?: string };
  displayName?: string;
  emails?: { value: string; type?: string; primary?: boolean }[];
  phoneNumbers?: { value: string; type?: string }[];
  [k: string]: unknown;
}

export interface ScimGroup {
  id: string;
  displayName: string;
  externalId?: string;
  members: { value: string; display?: string }[];
}

export interface LoggedRequest {
  method: string;
  /** Path and query under the SCIM base, e.g. `/Users?filter=…`. */
  path: string;
  /** Date.now() when the request arrived. */
  at: number;
  /** Requests being handled when this one arrived, itself included. */
  inFlight: number;
  status?: number;
}

export interface Fault {
  status: 429 | 503 | 500 | 401 | 404;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Only requests this matches take the fault; default: the next request. */
  match?: (method: string, path: string) => boolean;
}

export interface TestScim {
  /** The SCIM base URL, e.g. http://127.0.0.1:P/scim/v2 */
  baseUrl: string;
  token: string;
  users: Map<string, ScimUser>;
  groups: Map<string, ScimGroup>;
  log: LoggedRequest[];
  /** The highest number of requests handled at once. */
  peakInFlight: number;
  faults: Fault[];
  /** Every request waits this long before it is handled. */
  slowMs: number;
  /** Called as each request arrives, before it is handled (to race a test's change against it). */
  onRequest: ((method: string, path: string) => void) | null;
  userByName(userName: string): ScimUser | undefined;
  groupByName(displayName: string): ScimGroup | undefined;
  /** Closes the listener and every open connection: requests fail with ECONNREFUSED. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

interface Store {
  users: Map<string, ScimUser>;
  groups: Map<string, ScimGroup>;
}

const plain = <T>(v: unknown): T => JSON.parse(JSON.stringify(v)) as T;
const meta = (type: string) => ({ resourceType: type, created: new Date().toISOString(), lastModified: new Date().toISOString() });

/** userName eq "…" compared without case (RFC 7643: userName is caseExact false). */
function byUserNameFilter(expression: string | undefined): string | null {
  const m = /^\s*userName\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(expression ?? '');
  return m ? JSON.parse(`"${m[1]}"`).toLowerCase() : null;
}

function matchFilter<T extends object>(resource: { filter?: { expression?: string; match(values: object[]): object[] } }, values: T[]): T[] {
  return resource.filter ? (resource.filter.match(values) as T[]) : values;
}

let declared = false;
function declareOnce(): void {
  if (declared) return;
  declared = true;
  SCIMMY.Resources.declare(SCIMMY.Resources.User, {
    egress: (resource: any, ctx: Store) => {
      if (resource.id) {
        const u = ctx.users.get(resource.id);
        if (!u) throw new SCIMMY.Types.Error(404, null!, `Resource ${resource.id} not found`);
        return u;
      }
      const all = [...ctx.users.values()];
      const name = byUserNameFilter(resource.filter?.expression);
      return name !== null ? all.filter((u) => u.userName.toLowerCase() === name) : matchFilter(resource, all);
    },
    ingress: (resource: any, instance: unknown, ctx: Store) => {
      const body = plain<ScimUser>(instance);
      const clash = [...ctx.users.values()].find((u) => u.userName.toLowerCase() === body.userName.toLowerCase() && u.id !== resource.id);
      if (clash) throw new SCIMMY.Types.Error(409, 'uniqueness', `userName ${body.userName} is already taken`);
      if (resource.id) {
        const before = ctx.users.get(resource.id);
        if (!before) throw new SCIMMY.Types.Error(404, null!, `Resource ${resource.id} not found`);
        const next = { ...body, id: before.id, meta: { ...(before.meta as object), lastModified: new Date().toISOString() } };
        ctx.users.set(before.id, next);
        return next;
      }
      const created = { ...body, id: randomUUID(), meta: meta('User') };
      ctx.users.set(created.id, created);
      return created;
    },
    degress: (resource: any, ctx: Store) => {
      if (!ctx.users.delete(resource.id)) throw new SCIMMY.Types.Error(404, null!, `Resource ${resource.id} not found`);
      for (const g of ctx.groups.values()) g.members = g.members.filter((m) => m.value !== resource.id);
    },
  } as any);
  SCIMMY.Resources.declare(SCIMMY.Resources.Group, {
    egress: (resource: any, ctx: Store) => {
      if (resource.id) {
        const g = ctx.groups.get(resource.id);
        if (!g) throw new SCIMMY.Types.Error(404, null!, `Resource ${resource.id} not found`);
        return g;
      }
      return matchFilter(resource, [...ctx.groups.values()]);
    },
    ingress: (resource: any, instance: unknown, ctx: Store) => {
      const body = plain<ScimGroup>(instance);
      const members = (body.members ?? []).map((m) => ({ value: m.value, ...(m.display ? { display: m.display } : {}) }));
      const clash = [...ctx.groups.values()].find((g) => g.displayName.toLowerCase() === body.displayName.toLowerCase() && g.id !== resource.id);
      if (clash) throw new SCIMMY.Types.Error(409, 'uniqueness', `displayName ${body.displayName} is already taken`);
      if (resource.id) {
        const before = ctx.groups.get(resource.id);
        if (!before) throw new SCIMMY.Types.Error(404, null!, `Resource ${resource.id} not found`);
        const next = { ...body, members, id: before.id };
        ctx.groups.set(before.id, next);
        return next;
      }
      const created = { ...body, members, id: randomUUID(), meta: meta('Group') };
      ctx.groups.set(created.id, created);
      return created;
    },
    degress: (resource: any, ctx: Store) => {
      if (!ctx.groups.delete(resource.id)) throw new SCIMMY.Types.Error(404, null!, `Resource ${resource.id} not found`);
    },
  } as any);
}

export async function startScimServer(opts: { token?: string; maxOperations?: number } = {}): Promise<TestScim> {
  declareOnce();
  const store: Store = { users: new Map(), groups: new Map() };
  let inFlight = 0;
  const app = express();
  const scim: TestScim = {
    baseUrl: '',
    token: opts.token ?? 'scim-test-token',
    users: store.users,
    groups: store.groups,
    log: [],
    peakInFlight: 0,
    faults: [],
    slowMs: 0,
    onRequest: null,
    userByName: (n) => [...store.users.values()].find((u) => u.userName.toLowerCase() === n.toLowerCase()),
    groupByName: (n) => [...store.groups.values()].find((g) => g.displayName === n),
    down: async () => undefined,
    up: async () => undefined,
    close: async () => undefined,
  };
  app.use('/scim/v2', async (req, res, next) => {
    inFlight++;
    scim.peakInFlight = Math.max(scim.peakInFlight, inFlight);
    const entry: LoggedRequest = { method: req.method, path: req.url, at: Date.now(), inFlight };
    scim.log.push(entry);
    res.on('finish', () => {
      inFlight--;
      entry.status = res.statusCode;
    });
    res.on('close', () => {
      if (!res.writableFinished) inFlight--;
    });
    scim.onRequest?.(req.method, req.url);
    if (scim.slowMs > 0) await new Promise((r) => setTimeout(r, scim.slowMs));
    const i = scim.faults.findIndex((f) => !f.match || f.match(req.method, req.url));
    if (i >= 0) {
      const [f] = scim.faults.splice(i, 1);
      if (f!.retryAfter !== undefined) res.setHeader('Retry-After', String(f!.retryAfter));
      res.status(f!.status).type('application/scim+json').send(JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(f!.status), detail: `Injected fault ${f!.status}` }));
      return;
    }
    next();
  });
  app.use(
    '/scim/v2',
    new SCIMMYRouters({
      type: 'bearer',
      handler: (req: express.Request) => {
        if (req.header('Authorization') !== `Bearer ${scim.token}`) throw new Error('The bearer token is not valid.');
        return 'roster';
      },
      context: () => store,
    }) as unknown as express.Router,
  );
  if (opts.maxOperations) SCIMMY.Config.set('bulk', { supported: true, maxOperations: opts.maxOperations });

  let server: Server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  scim.baseUrl = `http://127.0.0.1:${port}/scim/v2`;
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  let isUp = true;
  scim.down = async () => {
    if (!isUp) return;
    isUp = false;
    await closeServer();
  };
  scim.up = async () => {
    if (isUp) return;
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(port, '127.0.0.1', () => resolve(s));
      s.on('error', reject);
    });
    isUp = true;
  };
  scim.close = async () => {
    if (isUp) await closeServer();
    isUp = false;
  };
  return scim;
}
