/**
 * A SCIM 2.0 client: bearer token, the server's capabilities (ServiceProviderConfig), lookups by
 * filter, POST/PATCH/PUT/DELETE, and at most N requests in flight. Every failure becomes a
 * ScimError that says what the server said (status, scimType, detail, Retry-After).
 */
import { AnswerTooLargeError, fetchHttp, nodeHttp, type HttpAnswer, type HttpStack } from './http';
import { PATCH_SCHEMA } from './mapping';
import { retryAfterMs } from './plan';

export interface ScimCapabilities {
  patch: boolean;
  bulk: boolean;
  maxOperations: number;
  filter: boolean;
  etag: boolean;
}

export type ScimFailureKind = 'network' | 'auth' | 'throttled' | 'server' | 'client';


/** The schema of a SCIM error answer (RFC 7644 §3.12). */
const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Resources a listing reads at most (twice the largest directory Roster is measured with). */
export const LIST_LIMIT = 2_000_000;

/** What a server's error may fill in the store and on the page: its detail and scimType are cut here. */
export const DETAIL_MAX = 500;
export const SCIM_TYPE_MAX = 100;

export class ScimError extends Error {
  readonly scimType: string | null;
  readonly detail: string;
  constructor(
    readonly kind: ScimFailureKind,
    readonly status: number | null,
    scimType: string | null,
    detail: string,
    readonly retryAfterMs: number | null = null,
  ) {
    const cut = detail.length > DETAIL_MAX ? `${detail.slice(0, DETAIL_MAX - 1)}…` : detail;
    super(cut);
    this.detail = cut;
    this.scimType = scimType === null ? null : String(scimType).slice(0, SCIM_TYPE_MAX);
  }
}

/** `Resources` of a list answer, when it is a list of objects with an id; anything else reads as none. */
function resourcesOf(body: unknown): ScimResource[] {
  const list = (body as { Resources?: unknown } | null)?.Resources;
  return Array.isArray(list) ? list.filter((r): r is ScimResource => typeof r === 'object' && r !== null && typeof (r as ScimResource).id === 'string') : [];
}

export interface ScimResource {
  id: string;
  [k: string]: unknown;
}

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  path?: string;
  value?: unknown;
}

type Fetch = typeof fetch;

/**
 * A counting semaphore: at most `limit` holders at once. It also keeps what the pipe looked like:
 * the peak of holders and the time-weighted average while any request was out.
 */
class Gate {
  private active = 0;
  private waiting: (() => void)[] = [];
  peak = 0;
  /** Σ holders × time (ms·requests) and the time with at least one holder (ms). */
  private area = 0;
  private busy = 0;
  private last = 0;
  constructor(private readonly limit: number) {}
  private tick(delta: number): void {
    const t = performance.now();
    if (this.active > 0) {
      this.area += this.active * (t - this.last);
      this.busy += t - this.last;
    }
    this.last = t;
    this.active += delta;
    if (this.active > this.peak) this.peak = this.active;
  }
  /** Requests in flight on average while the client was sending (time-weighted). */
  get average(): number {
    return this.busy > 0 ? this.area / this.busy : 0;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.tick(1);
    try {
      return await fn();
    } finally {
      this.tick(-1);
      this.waiting.shift()?.();
    }
  }
}

export class ScimClient {
  private readonly base: string;
  private readonly gate: Gate;
  private readonly http: HttpStack;
  private caps: ScimCapabilities | null = null;
  /** Requests sent, by method (dry runs assert that only reads went out). */
  readonly sent: Record<string, number> = {};

  constructor(
    baseUrl: string,
    token: string,
    opts: { maxInFlight?: number; fetch?: Fetch; now?: () => Date; timeoutMs?: number } = {},
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
    const limit = Math.max(1, opts.maxInFlight ?? 4);
    this.gate = new Gate(limit);
    this.http = opts.fetch ? fetchHttp(opts.fetch) : nodeHttp(limit);
    this.now = opts.now ?? (() => new Date());
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    // Built once: every request carries the same ones.
    this.headers = { Authorization: `Bearer ${token}`, Accept: 'application/scim+json' };
    this.bodyHeaders = { ...this.headers, 'Content-Type': 'application/scim+json' };
  }
  private readonly now: () => Date;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly bodyHeaders: Record<string, string>;

  /** Requests in flight: the most at once, and the time-weighted average while any was out. */
  get inFlight(): { peak: number; average: number } {
    return { peak: this.gate.peak, average: this.gate.average };
  }

  /** Closes the kept-alive connections (the end of a push). */
  close(): void {
    this.http.close();
  }

  /**
   * Once the server rejected the token, asked to wait, or went away, this client sends nothing
   * more: requests queued behind the gate fail the same way without reaching the server.
   */
  private stopped: ScimError | null = null;

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T | null }> {
    return this.gate.run(async () => {
      try {
        return await this.send<T>(method, path, body);
      } catch (e) {
        if (e instanceof ScimError && (e.kind === 'auth' || e.kind === 'throttled' || e.kind === 'network')) this.stopped ??= e;
        throw e;
      }
    });
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T | null }> {
    if (this.stopped) throw this.stopped;
    this.sent[method] = (this.sent[method] ?? 0) + 1;
    let res: HttpAnswer;
    try {
      res = await this.http.send(method, this.base + path, body === undefined ? this.headers : this.bodyHeaders, body === undefined ? undefined : JSON.stringify(body), this.timeoutMs);
    } catch (e) {
      if (e instanceof AnswerTooLargeError) throw new ScimError('server', null, null, e.message);
      throw new ScimError('network', null, null, `The SCIM server cannot be reached (${(e as { code?: string }).code ?? (e as Error).name}).`);
    }
    const text = res.text;
    let parsed: unknown = null;
    let readable = true;
    try {
      parsed = text.trim() ? JSON.parse(text) : null;
    } catch {
      readable = false;
    }
    const status = res.status;
    if (status >= 300 && status < 400) {
      // Not followed: the token would go wherever the server points (node:http follows nothing; say so).
      const location = (res.header('location') ?? '').slice(0, 200);
      throw new ScimError('client', status, null, `The SCIM server answered ${status}, a redirect${location ? ` to ${location}` : ''}: Roster does not follow redirects (the token would go with it). If that address is the SCIM server, save it as the base URL.`);
    }
    if (status >= 200 && status < 300) {
      // A sign-in page, a proxy's page or the wrong path answering 200 is not a success.
      // A DELETE needs no body back: a server that answers one in plain text has still deleted.
      if (!readable && method === 'DELETE') return { status, body: null };
      if (!readable) throw new ScimError('server', status, null, `The SCIM server answered ${status} with ${res.header('content-type')?.split(';')[0]?.trim() || 'a body without a content type'} that is not SCIM JSON: check the base URL (it ends with the SCIM path, e.g. https://idp.example.org/scim/v2).`);
      return { status, body: parsed as T | null };
    }
    const answer = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as { schemas?: unknown; scimType?: unknown; detail?: unknown };
    // Only a SCIM error's own detail is shown (its body says it is one, RFC 7644 §3.12): the body of
    // anything else (a proxy, another service the address reaches, JSON with a `detail` of its own) is
    // not read back to the admin, only its status and content type.
    const scimError = Array.isArray(answer.schemas) && answer.schemas.includes(SCIM_ERROR_SCHEMA);
    const kindOf = res.header('content-type')?.split(';')[0]?.trim();
    const detail =
      scimError && typeof answer.detail === 'string' && answer.detail
        ? answer.detail
        : `The SCIM server answered ${status}${res.statusText ? ` ${res.statusText}` : ''}${scimError ? '' : ` (${kindOf || 'no content type'}, not a SCIM error)`}.`;
    const scimType = scimError && typeof answer.scimType === 'string' ? answer.scimType : null;
    if (status === 401 || status === 403) throw new ScimError('auth', status, scimType, detail);
    if (status === 429 || status === 503) throw new ScimError('throttled', status, scimType, detail, retryAfterMs(res.header('retry-after'), this.now()));
    throw new ScimError(status >= 500 ? 'server' : 'client', status, scimType, detail);
  }

  /** Reads /ServiceProviderConfig once; PATCH unknown means PUT, maxOperations unknown means 100. */
  async capabilities(): Promise<ScimCapabilities> {
    if (this.caps) return this.caps;
    const { body } = await this.request<{ patch?: { supported?: boolean }; bulk?: { supported?: boolean; maxOperations?: number }; filter?: { supported?: boolean }; etag?: { supported?: boolean } }>('GET', '/ServiceProviderConfig');
    this.caps = {
      patch: !!body?.patch?.supported,
      bulk: !!body?.bulk?.supported,
      maxOperations: body?.bulk?.supported && body.bulk.maxOperations ? body.bulk.maxOperations : 100,
      filter: !!body?.filter?.supported,
      etag: !!body?.etag?.supported,
    };
    return this.caps;
  }

  async findOne(resource: 'Users' | 'Groups', attribute: 'userName' | 'displayName', value: string): Promise<ScimResource | null> {
    const filter = `${attribute} eq ${JSON.stringify(value)}`;
    const { body } = await this.request('GET', `/${resource}?filter=${encodeURIComponent(filter)}`);
    const want = value.toLowerCase();
    // Only the resource that carries the value (userName is not case-exact, RFC 7643): a server that
    // ignores the filter answers its whole directory, and its first user is someone else.
    return resourcesOf(body).find((r) => String(r[attribute] ?? '').toLowerCase() === want) ?? null;
  }

  async create(resource: 'Users' | 'Groups', body: Record<string, unknown>): Promise<ScimResource> {
    const r = await this.request<ScimResource>('POST', `/${resource}`, body);
    if (!r.body?.id) throw new ScimError('server', r.status, null, 'The server created the object but returned no id.');
    return r.body;
  }

  async replace(resource: 'Users' | 'Groups', id: string, body: Record<string, unknown>): Promise<void> {
    await this.request('PUT', `/${resource}/${encodeURIComponent(id)}`, { ...body, id });
  }

  async patch(resource: 'Users' | 'Groups', id: string, operations: PatchOperation[]): Promise<void> {
    await this.request('PATCH', `/${resource}/${encodeURIComponent(id)}`, { schemas: [PATCH_SCHEMA], Operations: operations });
  }

  async remove(resource: 'Users' | 'Groups', id: string): Promise<void> {
    try {
      await this.request('DELETE', `/${resource}/${encodeURIComponent(id)}`);
    } catch (e) {
      // Already gone is what we wanted.
      if (!(e instanceof ScimError && e.status === 404)) throw e;
    }
  }

  /**
   * Every resource, page by page (for reconcile and tests), up to LIST_LIMIT: a server that claims
   * a billion and keeps answering full pages of new ids is read no further than that.
   */
  async list(resource: 'Users' | 'Groups', pageSize = 100, limit = LIST_LIMIT): Promise<ScimResource[]> {
    const out: ScimResource[] = [];
    const seen = new Set<string>();
    for (let start = 1; ; start += pageSize) {
      if (out.length >= limit)
        throw new ScimError('server', null, null, `The SCIM server lists more than ${limit.toLocaleString('en-US')} ${resource === 'Users' ? 'users' : 'groups'}, more than Roster compares.`);
      const { body } = await this.request<{ totalResults?: number }>('GET', `/${resource}?startIndex=${start}&count=${pageSize}`);
      const page = resourcesOf(body);
      const fresh = page.filter((r) => !seen.has(r.id));
      for (const r of fresh) seen.add(r.id);
      out.push(...fresh);
      // A server that ignores startIndex answers the same page again: the listing ends there.
      if (page.length < pageSize || fresh.length === 0 || out.length >= Number(body?.totalResults ?? 0)) return out;
    }
  }
}
