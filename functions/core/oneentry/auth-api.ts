/**
 * OneEntry's two user-auth calls, sign-in and refresh, as plain HTTP. No state and no
 * retries here: who may call them, and when, is decided by the shared credential state.
 */
import { deviceMetadataHeader } from './device';
import {
  OneEntryAuthError,
  OneEntryHttpError,
  OneEntryInvalidPayloadError,
  OneEntryNetworkError,
} from './errors';
import { type Fetch, timedFetch } from './http';
import { refreshResponseSchema, upstreamMessage } from './schema';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

/** The auth form's field markers the login and the password go under. */
export interface LoginFields {
  login: string;
  password: string;
}

export const DEFAULT_LOGIN_FIELDS: LoginFields = { login: 'login', password: 'password' };

export interface ServiceUser {
  login: string;
  password: string;
  fields: LoginFields;
}

export interface AuthApiOptions {
  baseUrl: string;
  appToken: string;
  /** Marker of the auth provider. Default `email`. */
  authProvider: string;
  fetch: Fetch;
  timeoutMs: number;
}

/** OneEntry answered the auth call and said no: the token or the password will not work. */
export class OneEntryAuthRefusedError extends OneEntryAuthError {
  override readonly name = 'OneEntryAuthRefusedError';
  constructor(
    readonly status: number,
    what: string,
    upstream: string | undefined,
  ) {
    super(`OneEntry refused the ${what} (HTTP ${status}${upstream ? `: ${upstream}` : ''})`);
  }
}

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/**
 * Whether OneEntry may have acted on a request that failed: a refusal to connect proves it
 * never arrived, an error answer that OneEntry did not act; a timeout or a reset proves nothing.
 */
export function mayHaveBeenProcessed(error: unknown): boolean {
  if (error instanceof OneEntryHttpError || error instanceof OneEntryAuthRefusedError) {
    return false;
  }
  if (error instanceof OneEntryNetworkError) {
    const cause = error.cause as { cause?: { code?: string }; code?: string } | undefined;
    const code = cause?.cause?.code ?? cause?.code;
    return !(code && CONNECT_FAILURES.has(code));
  }
  return true;
}

export class OneEntryAuthApi {
  constructor(private readonly options: AuthApiOptions) {}

  /** `POST .../users/auth` with the service user's login and password. */
  signIn(user: ServiceUser, deviceId: string, signal?: AbortSignal): Promise<TokenPair> {
    return this.post(
      'auth',
      {
        authData: [
          { marker: user.fields.login, value: user.login },
          { marker: user.fields.password, value: user.password },
        ],
      },
      deviceId,
      'sign-in',
      signal,
    );
  }

  /** `POST .../users/refresh`: spends `refreshToken` (single-use) for a new pair. */
  refresh(refreshToken: string, deviceId: string, signal?: AbortSignal): Promise<TokenPair> {
    return this.post('refresh', { refreshToken }, deviceId, 'refresh token', signal);
  }

  private async post(
    action: 'auth' | 'refresh',
    body: unknown,
    deviceId: string,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<TokenPair> {
    const { baseUrl, appToken, authProvider, fetch, timeoutMs } = this.options;
    const marker = encodeURIComponent(authProvider);
    const response = await timedFetch(
      fetch,
      `${baseUrl}/api/content/users-auth-providers/marker/${marker}/users/${action}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-app-token': appToken,
          'x-device-metadata': deviceMetadataHeader(deviceId),
        },
        body: JSON.stringify(body),
      },
      timeoutMs,
      signal,
    );
    const { status, text } = response;
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      throw new OneEntryAuthRefusedError(status, what, upstreamMessage(text));
    }
    if (status < 200 || status >= 300) throw new OneEntryHttpError(status, upstreamMessage(text));
    let parsed: ReturnType<typeof refreshResponseSchema.safeParse>;
    try {
      parsed = refreshResponseSchema.safeParse(JSON.parse(text));
    } catch {
      throw new OneEntryInvalidPayloadError([`${action} answer is not JSON`]);
    }
    if (!parsed.success) {
      throw new OneEntryInvalidPayloadError([`${action} answer lacks accessToken or refreshToken`]);
    }
    return { accessToken: parsed.data.accessToken, refreshToken: parsed.data.refreshToken };
  }
}
