import { randomUUID } from 'node:crypto';
import { OneEntryAuthError, OneEntryHttpError, OneEntryInvalidPayloadError } from './errors';
import { type ClientLogger, type Fetch, raceAbort, timedFetch } from './http';
import { refreshResponseSchema } from './schema';

/** A user's credentials and what to do when they rotate. Give an access token, a refresh token or both. */
export interface OneEntryUserAuth {
  /** A user access token. Used until OneEntry refuses it. */
  accessToken?: string | undefined;
  /** Lets the provider get new access tokens; without it a refused token is final. */
  refreshToken?: string | undefined;
  /** Marker of the auth provider the user signed in with. Default `email`. */
  authProvider?: string | undefined;
  /**
   * Receives every rotated refresh token. OneEntry invalidates the old one on refresh, so a
   * deployment must persist the new one or its next cold start holds a dead token.
   */
  onRefreshTokenRotated?: ((refreshToken: string) => void | Promise<void>) | undefined;
  /**
   * Reads the refresh token as currently persisted. When OneEntry refuses ours, another
   * instance (a second Lambda container) may have rotated it: the persisted one is tried once.
   */
  reloadRefreshToken?: (() => Promise<string | undefined>) | undefined;
}

export interface TokenProviderOptions extends OneEntryUserAuth {
  baseUrl: string;
  appToken: string;
  fetch: Fetch;
  timeoutMs: number;
  logger: ClientLogger;
}

/**
 * Holds the access token and refreshes it single-flight: however many requests are refused
 * at once, one refresh runs and all of them wait for it.
 */
export class TokenProvider {
  private accessToken: string | undefined;
  private refreshToken: string | undefined;
  private refreshing: Promise<string> | undefined;
  private readonly deviceMetadata = JSON.stringify({
    fingerprint: `UQ_${randomUUID()}`,
    deviceInfo: { os: 'Node.js', browser: 'payment-session-watch', location: 'server' },
  });

  constructor(private readonly options: TokenProviderOptions) {
    this.accessToken = options.accessToken;
    this.refreshToken = options.refreshToken;
    if (!this.accessToken && !this.refreshToken) {
      throw new OneEntryAuthError('OneEntry needs an access token or a refresh token');
    }
  }

  get canRefresh(): boolean {
    return this.refreshToken !== undefined;
  }

  /** The access token to use now, refreshing first when there is none yet. */
  async current(signal?: AbortSignal): Promise<string> {
    if (this.accessToken) return this.accessToken;
    const token = this.refresh(undefined);
    return signal ? raceAbort(token, signal) : token;
  }

  /**
   * Called after OneEntry refused `rejected`. If another caller already replaced it, that
   * token is returned without a second refresh.
   */
  async refresh(rejected: string | undefined): Promise<string> {
    if (this.accessToken && this.accessToken !== rejected) return this.accessToken;
    if (!this.refreshing) {
      // Not bound to any one caller's deadline: the refresh is shared by all who wait on it.
      this.refreshing = this.runRefresh().finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  private async runRefresh(reloaded = false): Promise<string> {
    const refreshToken = this.refreshToken;
    if (!refreshToken) {
      throw new OneEntryAuthError('OneEntry refused the access token and no refresh token is set');
    }
    const marker = encodeURIComponent(this.options.authProvider ?? 'email');
    const url = `${this.options.baseUrl}/api/content/users-auth-providers/marker/${marker}/users/refresh`;
    const response = await timedFetch(
      this.options.fetch,
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-app-token': this.options.appToken,
          'x-device-metadata': this.deviceMetadata,
        },
        body: JSON.stringify({ refreshToken }),
      },
      this.options.timeoutMs,
    );
    if (response.status >= 400 && response.status < 500 && response.status !== 429) {
      this.accessToken = undefined;
      if (!reloaded && this.options.reloadRefreshToken) {
        const persisted = await this.options.reloadRefreshToken();
        if (persisted && persisted !== refreshToken) {
          this.options.logger.warn(
            'OneEntry refused the refresh token; retrying with the persisted one',
          );
          this.refreshToken = persisted;
          return this.runRefresh(true);
        }
      }
      throw new OneEntryAuthError(
        `OneEntry refused the refresh token (HTTP ${response.status}); set a new one`,
      );
    }
    if (response.status < 200 || response.status >= 300) {
      throw new OneEntryHttpError(response.status);
    }
    let parsed: ReturnType<typeof refreshResponseSchema.safeParse>;
    try {
      parsed = refreshResponseSchema.safeParse(JSON.parse(response.text));
    } catch {
      throw new OneEntryInvalidPayloadError(['refresh answer is not JSON']);
    }
    if (!parsed.success) {
      throw new OneEntryInvalidPayloadError(['refresh answer lacks accessToken or refreshToken']);
    }
    this.accessToken = parsed.data.accessToken;
    this.refreshToken = parsed.data.refreshToken;
    this.options.logger.debug('OneEntry access token refreshed');
    if (this.options.onRefreshTokenRotated) {
      try {
        await this.options.onRefreshTokenRotated(parsed.data.refreshToken);
      } catch (error) {
        // The new token still works in this process; losing it only hurts the next cold start.
        this.options.logger.error('Could not persist the rotated OneEntry refresh token', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return parsed.data.accessToken;
  }
}
