import type { PaymentSession } from '../model';
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
  timedFetch,
} from './http';
import { sessionsResponseSchema, upstreamMessage } from './schema';
import type { UserAuth } from './shared-auth';

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
    const url = `${this.baseUrl}/api/content/payments/sessions/order/${orderId}`;
    const { signal } = options;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const token = await this.auth.accessToken(signal);
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
        if (response.status === 404) return [];
        if (response.status < 200 || response.status >= 300) {
          throw new RetryableHttp(
            response.status,
            upstreamMessage(response.text),
            response.headers,
          );
        }
        return parseSessions(response.text);
      } catch (caught) {
        const error = caught instanceof RetryableHttp ? caught.toError() : caught;
        if (!(error instanceof OneEntryError) || !error.retryable) throw error;
        if (signal?.aborted) throw new OneEntryTimeoutError(this.timeoutMs);
        if (attempt >= this.maxAttempts) throw error;
        const retryAfter =
          caught instanceof RetryableHttp
            ? parseRetryAfter(caught.headers.get('retry-after'))
            : undefined;
        if (retryAfter !== undefined && retryAfter > this.maxRetryAfterMs) throw error;
        const delay = retryAfter ?? this.backoff(attempt);
        if (options.deadlineAt !== undefined && Date.now() + delay >= options.deadlineAt) {
          throw error;
        }
        this.logger.debug('OneEntry call failed; retrying', {
          orderId,
          attempt,
          delayMs: Math.round(delay),
          error: error.message,
        });
        await sleep(delay, signal);
      }
    }
  }

  /** Full jitter: uniform in [0, min(maxDelay, base * 2^(attempt-1))]. */
  private backoff(attempt: number): number {
    return this.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
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
