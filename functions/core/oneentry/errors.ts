/**
 * Failures of the OneEntry client, as named classes. A failure is always thrown, never
 * returned as a value that could be mistaken for data (the SDK's `isShell` default does that).
 */
export class OneEntryError extends Error {
  override readonly name: string = 'OneEntryError';
  /** Whether trying again later may succeed. */
  readonly retryable: boolean = false;
}

/** No answer within the per-attempt timeout, or the caller's deadline passed. */
export class OneEntryTimeoutError extends OneEntryError {
  override readonly name = 'OneEntryTimeoutError';
  override readonly retryable = true;
  constructor(readonly timeoutMs: number) {
    super(`OneEntry did not answer within ${timeoutMs} ms`);
  }
}

/** The connection failed before an HTTP answer (DNS, refused, reset). */
export class OneEntryNetworkError extends OneEntryError {
  override readonly name = 'OneEntryNetworkError';
  override readonly retryable = true;
  constructor(cause: unknown) {
    super(
      `OneEntry could not be reached: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
  }
}

/** OneEntry answered with a status the client does not accept. */
export class OneEntryHttpError extends OneEntryError {
  override readonly name = 'OneEntryHttpError';
  override readonly retryable: boolean;
  constructor(
    readonly status: number,
    /** The `message` of OneEntry's error body, if it had one. */
    readonly upstreamMessage?: string,
  ) {
    super(`OneEntry answered HTTP ${status}${upstreamMessage ? `: ${upstreamMessage}` : ''}`);
    this.retryable = status === 429 || status >= 500;
  }
}

/** OneEntry answered 2xx with a body that is not a session or list of sessions. */
export class OneEntryInvalidPayloadError extends OneEntryError {
  override readonly name = 'OneEntryInvalidPayloadError';
  constructor(readonly problems: readonly string[]) {
    super(`OneEntry sent an invalid payload: ${problems.join('; ')}`);
  }
}

/** The credentials were refused and could not be refreshed. Needs a person, not a retry. */
export class OneEntryAuthError extends OneEntryError {
  override readonly name: string = 'OneEntryAuthError';
}

/**
 * No user credentials at all: no token in the shared state, no seed, no service user. A fresh
 * deployment is in this state until someone runs `npm run login` or sets credentials.
 */
export class OneEntryNotConfiguredError extends OneEntryError {
  override readonly name = 'OneEntryNotConfiguredError';
}
