import { DomainError, isDomainError } from '../core/errors';
import type { SerializedError } from './jobs';

/** An error thrown in a worker thread, as plain data for postMessage (class instances do not cross). */
export function serializeError(e: unknown): SerializedError {
  if (isDomainError(e)) return { name: e.name, message: e.message, code: e.code, details: e.details, domain: true };
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message, code: typeof code === 'string' ? code : undefined, domain: false };
}

/** The worker's error as the main thread would have thrown it: a DomainError keeps its code, a driver error its code. */
export function reviveError(e: SerializedError): Error {
  if (e.domain && e.code) return new DomainError(e.code as DomainError['code'], e.message, e.details);
  const err = new Error(e.message) as Error & { code?: string };
  err.name = e.name;
  if (e.code) err.code = e.code;
  return err;
}
