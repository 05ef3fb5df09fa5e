/**
 * Users and their tokens, as OneEntry keeps them:
 * - a refresh token is single-use: spending it issues a new pair, presenting it again is refused;
 * - a refresh token is bound to the device fingerprint (`x-device-metadata`) it was issued to,
 *   and a refresh from another fingerprint is refused (without spending it);
 * - access and refresh tokens expire after their lifetimes.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export type AccessTokenCheck = 'valid' | 'expired' | 'unknown';

/** Why a refresh was refused. `spent` is the one a careful client never causes. */
export type RefreshRefusal = 'unknown' | 'spent' | 'expired' | 'other-device';

export interface TokenLifetimes {
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
}

/** The fingerprint tokens are bound to when a test issues them without naming a device. */
export const ELSEWHERE_FINGERPRINT = 'UQ_issued-elsewhere';

interface RefreshRecord {
  fingerprint: string;
  expiresAt: number;
  spent: boolean;
}

function randomToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class TokenBook {
  readonly #accessTokenExpiry = new Map<string, number>();
  readonly #refreshTokens = new Map<string, RefreshRecord>();
  readonly #users = new Map<string, string>();

  constructor(private readonly lifetimes: TokenLifetimes) {}

  /** A new pair bound to `fingerprint`. */
  issue(fingerprint: string = ELSEWHERE_FINGERPRINT): TokenPair {
    const pair = { accessToken: randomToken('sim_at'), refreshToken: randomToken('sim_rt') };
    const now = Date.now();
    this.#accessTokenExpiry.set(pair.accessToken, now + this.lifetimes.accessTokenTtlMs);
    this.#refreshTokens.set(pair.refreshToken, {
      fingerprint,
      expiresAt: now + this.lifetimes.refreshTokenTtlMs,
      spent: false,
    });
    return pair;
  }

  checkAccessToken(accessToken: string): AccessTokenCheck {
    const expiresAt = this.#accessTokenExpiry.get(accessToken);
    if (expiresAt === undefined) return 'unknown';
    return Date.now() < expiresAt ? 'valid' : 'expired';
  }

  /** Spends `refreshToken` for a new pair bound to the same device, or says why not. */
  rotate(refreshToken: string, fingerprint: string): TokenPair | RefreshRefusal {
    const record = this.#refreshTokens.get(refreshToken);
    if (!record) return 'unknown';
    if (record.spent) return 'spent';
    if (record.fingerprint !== fingerprint) return 'other-device';
    if (Date.now() >= record.expiresAt) return 'expired';
    record.spent = true;
    return this.issue(fingerprint);
  }

  addUser(login: string, password: string): void {
    this.#users.set(login, password);
  }

  /** A pair for a user whose password matches; undefined otherwise. */
  signIn(login: string, password: string, fingerprint: string): TokenPair | undefined {
    const known = this.#users.get(login);
    if (known === undefined || !sameSecret(known, password)) return undefined;
    return this.issue(fingerprint);
  }

  expireAccessTokens(): void {
    for (const accessToken of this.#accessTokenExpiry.keys()) {
      this.#accessTokenExpiry.set(accessToken, Number.NEGATIVE_INFINITY);
    }
  }

  expireRefreshTokens(): void {
    for (const record of this.#refreshTokens.values()) record.expiresAt = Number.NEGATIVE_INFINITY;
  }
}
