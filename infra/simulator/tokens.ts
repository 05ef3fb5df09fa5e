/**
 * User tokens. Refresh tokens are single-use, as OneEntry rotates them: spending one issues
 * a new pair, and presenting the spent one again is refused.
 */
import { randomBytes } from 'node:crypto';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export type AccessTokenCheck = 'valid' | 'expired' | 'unknown';

function randomToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

export class TokenBook {
  readonly #accessTokenExpiry = new Map<string, number>();
  readonly #liveRefreshTokens = new Set<string>();

  constructor(private readonly accessTokenTtlMs: number) {}

  issue(): TokenPair {
    const pair = { accessToken: randomToken('sim_at'), refreshToken: randomToken('sim_rt') };
    this.#accessTokenExpiry.set(pair.accessToken, Date.now() + this.accessTokenTtlMs);
    this.#liveRefreshTokens.add(pair.refreshToken);
    return pair;
  }

  checkAccessToken(accessToken: string): AccessTokenCheck {
    const expiresAt = this.#accessTokenExpiry.get(accessToken);
    if (expiresAt === undefined) return 'unknown';
    return Date.now() < expiresAt ? 'valid' : 'expired';
  }

  /** Spends `refreshToken` for a new pair; undefined when it is unknown or already spent. */
  rotate(refreshToken: string): TokenPair | undefined {
    if (!this.#liveRefreshTokens.delete(refreshToken)) return undefined;
    return this.issue();
  }

  expireAccessTokens(): void {
    for (const accessToken of this.#accessTokenExpiry.keys()) {
      this.#accessTokenExpiry.set(accessToken, Number.NEGATIVE_INFINITY);
    }
  }
}
