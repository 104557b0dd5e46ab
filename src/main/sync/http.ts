/**
 * The SCIM client's HTTP stack: node:http / node:https with one keep-alive agent per client (as
 * many sockets as requests in flight). Chosen over the global fetch (undici's WHATWG layer: streams,
 * AbortSignal, Headers objects per request) because a push is thousands of small requests and the
 * profile of a 1,000-member push showed fetch's own bookkeeping as the largest share of the
 * client's CPU. A test can still pass a fetch function (to lose an answer on purpose).
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  status: number;
  statusText: string;
  header(name: string): string | null;
  text: string;
}

/** Sends one request; rejects with an Error carrying a `code` (ECONNREFUSED, TimeoutError, …) when no answer came. */
export type HttpSend = (method: string, url: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number) => Promise<HttpAnswer>;

export interface HttpStack {
  send: HttpSend;
  /** Closes the idle keep-alive sockets. */
  close(): void;
}

class TimeoutError extends Error {
  readonly code = 'TimeoutError';
}

/**
 * The largest answer read from a SCIM server (a page of 100 users is a few hundred KB; a group with
 * 200,000 members about 20 MB). A larger one, declared or streamed, is cut there: a hostile or broken
 * server cannot make Roster buffer without end.
 */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** The answer was larger than MAX_ANSWER_BYTES: the connection was closed without reading the rest. */
export class AnswerTooLargeError extends Error {
  readonly code = 'AnswerTooLarge';
  constructor() {
    super(`The SCIM server's answer is larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MB, more than Roster reads: check the base URL and the server.`);
  }
}

/** node:http with a keep-alive agent of `sockets` sockets. */
export function nodeHttp(sockets: number): HttpStack {
  const agents = { http: new http.Agent({ keepAlive: true, maxSockets: sockets }), https: new https.Agent({ keepAlive: true, maxSockets: sockets }) };
  const once = (method: string, url: URL, headers: Record<string, string>, body: string | undefined, timeoutMs: number) =>
    new Promise<HttpAnswer & { reused: boolean }>((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const h: Record<string, string | number> = body === undefined ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body) };
      const req = (secure ? https : http).request(url, { method, headers: h, agent: secure ? agents.https : agents.http });
      const timer = setTimeout(() => req.destroy(new TimeoutError(`No answer within ${timeoutMs} ms.`)), timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(Object.assign(e, { reused: req.reusedSocket }));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const declared = Number(res.headers['content-length']);
        if (declared > MAX_ANSWER_BYTES) {
          clearTimeout(timer);
          req.destroy();
          reject(new AnswerTooLargeError());
          return;
        }
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) {
            clearTimeout(timer);
            chunks.length = 0;
            req.destroy();
            reject(new AnswerTooLargeError());
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const raw = res.headers;
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            header: (name) => {
              const v = raw[name.toLowerCase()];
              return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
            },
            text: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
            reused: req.reusedSocket,
          });
        });
      });
      req.end(body);
    });
  return {
    send: async (method, url, headers, body, timeoutMs) => {
      const u = new URL(url);
      try {
        return await once(method, u, headers, body, timeoutMs);
      } catch (e) {
        // A kept-alive socket the server closed while idle: the request never reached it (the
        // reset came before any answer); send it once more on a fresh socket, as Node's docs advise.
        if ((e as { reused?: boolean; code?: string }).reused && (e as { code?: string }).code === 'ECONNRESET') return once(method, u, headers, body, timeoutMs);
        throw e;
      }
    },
    close: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

/** A fetch function as the stack (tests that intercept requests). */
export function fetchHttp(fetchImpl: typeof fetch): HttpStack {
  return {
    send: async (method, url, headers, body, timeoutMs) => {
      let res: Response;
      try {
        res = await fetchImpl(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      } catch (e) {
        throw Object.assign(new Error((e as Error).message), { code: (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name });
      }
      if (Number(res.headers.get('content-length')) > MAX_ANSWER_BYTES) {
        await res.body?.cancel().catch(() => undefined);
        throw new AnswerTooLargeError();
      }
      const text = await res.text().catch(() => '');
      if (Buffer.byteLength(text) > MAX_ANSWER_BYTES) throw new AnswerTooLargeError();
      return { status: res.status, statusText: res.statusText, header: (n) => res.headers.get(n), text };
    },
    close: () => undefined,
  };
}
