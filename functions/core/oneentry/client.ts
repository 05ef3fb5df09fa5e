import { fullJitter } from '../backoff';
import type { PaymentSession } from '../model';
import type { RequestBudget } from './budget';
import {
  OneEntryAuthError,
  OneEntryError,
  OneEntryHttpError,
  OneEntryInvalidPayloadError,
  OneEntryTimeoutError,
} from './errors';
import {
  type ClientLogger,
  type Fetch,
  parseRetryAfter,
  silentLogger,
  sleep,
  type TimedResponse,
  timedFetch,
} from './http';
import {
  sessionListSchema,
  sessionSchema,
  sessionsResponseSchema,
  upstreamMessage,
} from './schema';
import type { UserAuth } from './shared-auth';

/** How long everyone waits after a 429 that names no `Retry-After`. */
const DEFAULT_COOL_DOWN_MS = 1000;

export interface OneEntryClientOptions {
  /** Project URL, e.g. `https://my-project.oneentry.cloud`. */
  baseUrl: string;
  /** The project's app token, sent as `x-app-token`. */
  appToken: string;
  /** Where user access tokens come from: the deployment's shared credential state. */
  auth?: UserAuth | undefined;
  /** Instead of `auth`: one access token, used until refused (tools and tests). */
  accessToken?: string | undefined;
  /** Per-attempt timeout, body included, in ms. Default 5000. */
  timeoutMs?: number | undefined;
  /** Attempts for retryable failures, the first included. Default 4. */
  maxAttempts?: number | undefined;
  /** First backoff ceiling, in ms; doubles per attempt (full jitter). Default 200. */
  baseDelayMs?: number | undefined;
  /** Backoff ceiling, in ms. Default 5000. */
  maxDelayMs?: number | undefined;
  /** Longest `Retry-After` the client waits for; a longer one fails the call. Default 30000. */
  maxRetryAfterMs?: number | undefined;
  fetch?: Fetch | undefined;
  logger?: ClientLogger | undefined;
  /** For tests: the jitter source. Default `Math.random`. */
  random?: (() => number) | undefined;
  /** The deployment's request budget and shared 429 cool-down; every attempt takes a permit. Default: none. */
  budget?: RequestBudget | undefined;
}

/** One page of the sessions list. */
export interface SessionPage {
  /** The items that parsed, in the order OneEntry listed them. */
  sessions: PaymentSession[];
  /** Items left out because they did not parse. */
  invalid: number;
  /** Items OneEntry served on this page, valid or not. */
  served: number;
  /** Every session of the project, as OneEntry counts them (also those a cap hides). */
  total: number;
}

export interface RequestOptions {
  /** Aborts the call, retries included; the caller's overall deadline. */
  signal?: AbortSignal | undefined;
  /**
   * When the caller's time is up (epoch ms): a retry that could only start after it (a long
   * `Retry-After` or backoff) fails the call at once instead of waiting for the abort.
   */
  deadlineAt?: number | undefined;
}

/**
 * Reads payment sessions from OneEntry. Failures are thrown as `OneEntryError` subclasses;
 * a 404 means the order has no session yet and reads as an empty list.
 */
export class OneEntryClient {
  private readonly baseUrl: string;
  private readonly auth: UserAuth;
  private readonly fetch: Fetch;
  private readonly logger: ClientLogger;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly random: () => number;

  constructor(private readonly options: OneEntryClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.logger = options.logger ?? silentLogger;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.random = options.random ?? Math.random;
    const auth = options.auth ?? (options.accessToken && fixedAccessToken(options.accessToken));
    if (!auth) throw new OneEntryAuthError('OneEntryClient needs auth or an access token');
    this.auth = auth;
  }

  /** `GET /api/content/payments/sessions/order/{orderId}`, as a list (one object becomes one item). */
  async getSessionsByOrderId(
    orderId: number,
    options: RequestOptions = {},
  ): Promise<PaymentSession[]> {
    if (!Number.isSafeInteger(orderId) || orderId <= 0) {
      throw new RangeError(`orderId must be a positive integer, got ${orderId}`);
    }
    return this.get(
      `${this.baseUrl}/api/content/payments/sessions/order/${orderId}`,
      { orderId },
      // A 404 means the order has no session yet.
      (response) => (response.status === 404 ? [] : parseSessions(response.text)),
      options,
    );
  }

  /**
   * `GET /api/content/payments/sessions?offset=&limit=`: one page of the project's sessions.
   * Items that do not parse are left out and counted, so one bad record never hides a page.
   */
  async listSessions(
    offset: number,
    limit: number,
    options: RequestOptions = {},
  ): Promise<SessionPage> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`offset must be >= 0 and limit >= 1, got ${offset} and ${limit}`);
    }
    return this.get(
      `${this.baseUrl}/api/content/payments/sessions?offset=${offset}&limit=${limit}`,
      { offset },
      (response) => parseSessionPage(response.text),
      options,
    );
  }

  /**
   * One authorized GET with the client's retries: a 401 renews the token once, retryable
   * failures back off (full jitter, `Retry-After`), everything within the caller's signal.
   * `read` gets 2xx answers and 404s.
   */
  private async get<T>(
    url: string,
    logFields: Record<string, number>,
    read: (response: TimedResponse) => T,
    options: RequestOptions,
  ): Promise<T> {
    const { signal } = options;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const token = await this.auth.accessToken(signal);
        await this.options.budget?.take(signal);
        const response = await timedFetch(
          this.fetch,
          url,
          {
            method: 'GET',
            headers: {
              'content-type': 'application/json',
              'x-app-token': this.options.appToken,
              authorization: `Bearer ${token}`,
            },
          },
          this.timeoutMs,
          signal,
        );
        if (response.status === 401) {
          if (refreshed) {
            throw new OneEntryAuthError('OneEntry refused the user credentials (HTTP 401)');
          }
          refreshed = true;
          await this.auth.renew(token, signal);
          attempt--; // the refresh is not a failed attempt
          continue;
        }
        if (response.status !== 404 && (response.status < 200 || response.status >= 300)) {
          throw new RetryableHttp(
            response.status,
            upstreamMessage(response.text),
            response.headers,
          );
        }
        return read(response);
      } catch (caught) {
        const error = caught instanceof RetryableHttp ? caught.toError() : caught;
        if (!(error instanceof OneEntryError) || !error.retryable) throw error;
        if (signal?.aborted) throw new OneEntryTimeoutError(this.timeoutMs);
        if (attempt >= this.maxAttempts) throw error;
        const retryAfter =
          caught instanceof RetryableHttp
            ? parseRetryAfter(caught.headers.get('retry-after'))
            : undefined;
        if (caught instanceof RetryableHttp && caught.status === 429) {
          // Every part of the deployment backs off, not only this caller.
          await this.options.budget?.coolDown(retryAfter ?? DEFAULT_COOL_DOWN_MS);
        }
        if (retryAfter !== undefined && retryAfter > this.maxRetryAfterMs) throw error;
        const delay =
          retryAfter ??
          fullJitter(attempt, {
            baseDelayMs: this.baseDelayMs,
            maxDelayMs: this.maxDelayMs,
            random: this.random,
          });
        if (options.deadlineAt !== undefined && Date.now() + delay >= options.deadlineAt) {
          throw error;
        }
        this.logger.debug('OneEntry call failed; retrying', {
          ...logFields,
          attempt,
          delayMs: Math.round(delay),
          error: error.message,
        });
        await sleep(delay, signal);
      }
    }
  }
}

/** One access token and no way to renew it. */
function fixedAccessToken(token: string): UserAuth {
  return {
    accessToken: async () => token,
    renew: async () => {
      throw new OneEntryAuthError('OneEntry refused the access token and it cannot be renewed');
    },
  };
}

/** An HTTP failure that still carries its headers, so the retry loop can read `Retry-After`. */
class RetryableHttp {
  constructor(
    readonly status: number,
    readonly message: string | undefined,
    readonly headers: Headers,
  ) {}
  toError(): OneEntryHttpError {
    return new OneEntryHttpError(this.status, this.message);
  }
}

function parseSessions(text: string): PaymentSession[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new OneEntryInvalidPayloadError(['body is not valid JSON']);
  }
  const parsed = sessionsResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new OneEntryInvalidPayloadError(
      parsed.error.issues
        .slice(0, 5)
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return parsed.data;
}

function parseSessionPage(text: string): SessionPage {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new OneEntryInvalidPayloadError(['body is not valid JSON']);
  }
  const page = sessionListSchema.safeParse(body);
  if (!page.success) {
    throw new OneEntryInvalidPayloadError(['the sessions list is not {items: [...], total}']);
  }
  const sessions: PaymentSession[] = [];
  for (const item of page.data.items) {
    const parsed = sessionSchema.safeParse(item);
    if (parsed.success) sessions.push(parsed.data);
  }
  return {
    sessions,
    invalid: page.data.items.length - sessions.length,
    served: page.data.items.length,
    total: page.data.total,
  };
}
