import { OneEntryNetworkError, OneEntryTimeoutError } from './errors';

export type Fetch = typeof globalThis.fetch;

/** What the client needs of a logger; Powertools' `Logger` fits. */
// biome-ignore lint/suspicious/noExplicitAny: log fields are any JSON-able value.
type LogFields = Record<string, any>;

export interface ClientLogger {
  debug(message: string, ...fields: LogFields[]): void;
  warn(message: string, ...fields: LogFields[]): void;
  error(message: string, ...fields: LogFields[]): void;
}

export const silentLogger: ClientLogger = { debug() {}, warn() {}, error() {} };

export interface TimedResponse {
  status: number;
  headers: Headers;
  /** The body as text; read within the same timeout as the request. */
  text: string;
}

/**
 * One HTTP exchange, body included, bounded by `timeoutMs` and by the caller's `signal`.
 * Throws `OneEntryTimeoutError` or `OneEntryNetworkError`; any HTTP status is returned.
 */
export async function timedFetch(
  fetchImpl: Fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<TimedResponse> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
  try {
    const response = await fetchImpl(url, { ...init, signal: combined });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  } catch (error) {
    if (combined.aborted) throw new OneEntryTimeoutError(timeoutMs);
    throw new OneEntryNetworkError(error);
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. Undefined if absent or bad. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Resolves after `ms`, or rejects with a timeout error as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new OneEntryTimeoutError(0));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new OneEntryTimeoutError(0));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Settles with `promise`, or rejects with a timeout error as soon as `signal` aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return Promise.race([promise, sleep(2 ** 31 - 1, signal).then(() => promise)]);
}
