/**
 * One OneEntry sign-in for the whole deployment. Every process (Lambda containers of every
 * function, the local runtime, `npm run login`) reads the same credential state from the
 * table. When OneEntry refuses the access token, exactly one caller in the deployment renews
 * it, under a lease on the state; the others wait for the new version and use it. A refresh
 * token is never presented twice: taking the lease marks it spent before it is sent.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  mayHaveBeenProcessed,
  type OneEntryAuthApi,
  OneEntryAuthRefusedError,
  type ServiceUser,
  type TokenPair,
} from './auth-api';
import {
  type AuthHealth,
  type CredentialChanges,
  type CredentialState,
  type CredentialStore,
  type CredentialWrite,
  describe,
} from './credential-store';
import { newDeviceId } from './device';
import { OneEntryAuthError, OneEntryNotConfiguredError } from './errors';
import { type ClientLogger, raceAbort, silentLogger, sleep } from './http';

/** What the OneEntry client needs of authentication. */
export interface UserAuth {
  /** The access token to use now. */
  accessToken(signal?: AbortSignal): Promise<string>;
  /** After OneEntry refused `rejected`: a newer token, renewed once for the whole deployment. */
  renew(rejected: string, signal?: AbortSignal): Promise<string>;
}

/** Tokens an operator put in the settings; each new value replaces the shared state once. */
export interface AuthSeed {
  accessToken?: string | undefined;
  refreshToken?: string | undefined;
}

/** Counts since the process started; the handlers turn them into metrics. */
export interface AuthActivity {
  refreshes: number;
  signIns: number;
  failures: number;
}

export interface SharedUserAuthOptions {
  store: CredentialStore;
  api: OneEntryAuthApi;
  seed?: AuthSeed | undefined;
  /** Lets the watcher sign itself in when it has no usable token. */
  serviceUser?: ServiceUser | undefined;
  /** A pinned device id (`ONEENTRY_DEVICE_ID`). Default: one made once and kept in the state. */
  deviceId?: string | undefined;
  /** Refresh proactively once the refresh token is this old, in ms. Default 24 h. */
  refreshEveryMs?: number | undefined;
  /** How long a process reuses what it read of the state, in ms. Default 10 s. */
  cacheMs?: number | undefined;
  /** How long a renewer may hold the lease, in ms; longer than one auth call. Default 15 s. */
  leaseMs?: number | undefined;
  /** Between two looks at a lease another process holds, in ms. Default 50. */
  leasePollMs?: number | undefined;
  /** Set while the settings are placeholders: every call says so instead of trying. */
  notConfigured?: string | undefined;
  logger?: ClientLogger | undefined;
  now?: (() => number) | undefined;
}

/** A refused sign-in is not tried again with the same credentials for this long. */
export const SIGN_IN_RETRY_MS = 60_000;

const ADVICE =
  'run `npm run login`, or configure service-user credentials (ONEENTRY_LOGIN and ONEENTRY_PASSWORD)';

export const digestOf = (...parts: (string | undefined)[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);

type Method = { kind: 'refresh'; refreshToken: string } | { kind: 'sign-in'; user: ServiceUser };

export class SharedUserAuth implements UserAuth {
  private activity: AuthActivity = { refreshes: 0, signIns: 0, failures: 0 };
  private readonly owner = randomUUID();
  private readonly now: () => number;
  private readonly logger: ClientLogger;
  private readonly cacheMs: number;
  private readonly leaseMs: number;
  private readonly leasePollMs: number;
  private readonly refreshEveryMs: number;
  private readonly seedDigest: string | undefined;
  private cache: { state: CredentialState; readAt: number } | undefined;
  private renewing: Promise<string> | undefined;

  constructor(private readonly options: SharedUserAuthOptions) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.cacheMs = options.cacheMs ?? 10_000;
    this.leaseMs = options.leaseMs ?? 15_000;
    this.leasePollMs = options.leasePollMs ?? 50;
    this.refreshEveryMs = options.refreshEveryMs ?? 24 * 3_600_000;
    const { seed } = options;
    this.seedDigest =
      seed?.accessToken || seed?.refreshToken
        ? digestOf(seed.accessToken, seed.refreshToken)
        : undefined;
  }

  /** Whether anything could ever sign this deployment in. */
  get configured(): boolean {
    if (this.options.notConfigured) return false;
    return this.seedDigest !== undefined || this.options.serviceUser !== undefined;
  }

  async accessToken(signal?: AbortSignal): Promise<string> {
    const state = await this.cachedState();
    if (state.accessToken) return state.accessToken;
    return this.renew(undefined, signal);
  }

  renew(rejected: string | undefined, signal?: AbortSignal): Promise<string> {
    // One renewal per process at a time; the state's lease makes it one per deployment.
    this.renewing ??= this.obtain(rejected).finally(() => {
      this.renewing = undefined;
    });
    return signal ? raceAbort(this.renewing, signal) : this.renewing;
  }

  /**
   * Keeps an idle deployment signed in: refreshes when the refresh token is older than
   * `refreshEveryMs`, and signs in when there is no token yet. Throws when auth is failing or
   * not configured, so the caller can report it once.
   */
  async keepAlive(signal?: AbortSignal): Promise<'fresh' | 'renewed'> {
    const state = await this.freshState();
    const issuedAt = state.refreshTokenIssuedAt ?? 0;
    const old = state.refreshToken !== undefined && this.now() - issuedAt >= this.refreshEveryMs;
    if (state.accessToken && !old && state.status === 'ok') return 'fresh';
    // Presenting the current access token as rejected forces a renewal even though it works.
    await this.renew(state.accessToken, signal);
    return 'renewed';
  }

  /** What this process did since the previous call: refreshes, sign-ins, failures. */
  takeActivity(): AuthActivity {
    const taken = this.activity;
    this.activity = { refreshes: 0, signIns: 0, failures: 0 };
    return taken;
  }

  /**
   * Signs `user` in now and stores the pair for the whole deployment (`npm run login`). A
   * refused sign-in leaves the state as it was: a typo must not break a working deployment.
   */
  async signInNow(user: ServiceUser, signal?: AbortSignal): Promise<void> {
    const waitUntil = this.leaseWaitDeadline();
    for (;;) {
      const state = await this.freshState(true);
      if (this.leaseLive(state)) {
        await this.awaitOthersLease(waitUntil, 'the credential state stays locked', signal);
        continue;
      }
      const lease = await this.takeLease(state);
      if (!lease.written) continue;
      const leased = lease.state;
      try {
        await this.perform({ kind: 'sign-in', user }, leased, { signal, interactive: true });
        return;
      } catch (error) {
        await this.options.store.update(
          leased.version,
          { leaseOwner: null, leaseUntil: null },
          this.now(),
        );
        throw error;
      }
    }
  }

  /** Status and reason, safe to show (no token, no device). */
  async health(): Promise<AuthHealth> {
    return describe(await this.options.store.read(), this.configured);
  }

  private async cachedState(): Promise<CredentialState> {
    if (this.cache && this.now() - this.cache.readAt < this.cacheMs) return this.cache.state;
    return this.freshState();
  }

  /** Reads the state (creating it once), applies a pinned device or a new seed, caches it. */
  private async freshState(forSignIn = false): Promise<CredentialState> {
    const { notConfigured } = this.options;
    if (notConfigured && !forSignIn) throw new OneEntryNotConfiguredError(notConfigured);
    return this.settle(await this.options.store.read(), forSignIn);
  }

  /** The state as read or as a lost write returned it, with the settings applied, cached. */
  private async settle(
    read: CredentialState | undefined,
    forSignIn = false,
  ): Promise<CredentialState> {
    const { store, deviceId } = this.options;
    let current = read;
    for (;;) {
      const state = current ?? (await store.create(deviceId ?? newDeviceId(), this.now()));
      const changes = this.settingsChanges(state);
      if (!changes || this.leaseLive(state)) {
        const unusable = !state.accessToken && !state.refreshToken && !this.configured;
        if (!changes && unusable && !forSignIn) {
          throw new OneEntryNotConfiguredError(
            `OneEntry user credentials are not configured: ${ADVICE}`,
          );
        }
        this.cache = { state, readAt: this.now() };
        return state;
      }
      const updated = await store.update(state.version, changes, this.now());
      if (updated.written) {
        this.logger.warn('OneEntry credential state replaced from the settings', {
          reason: changes.deviceId ? 'new device id' : 'new seed tokens',
        });
        this.cache = { state: updated.state, readAt: this.now() };
        return updated.state;
      }
      current = updated.state;
    }
  }

  /** What the settings ask to change: a pinned device that differs, or a seed not adopted yet. */
  private settingsChanges(state: CredentialState): CredentialChanges | undefined {
    const { deviceId, seed } = this.options;
    if (deviceId && state.deviceId !== deviceId) {
      // Tokens are bound to the old device; a seed is adopted again for the new one.
      return {
        deviceId,
        accessToken: null,
        refreshToken: null,
        refreshTokenSpent: null,
        seedDigest: null,
      };
    }
    if (this.seedDigest && state.seedDigest !== this.seedDigest) {
      return {
        accessToken: seed?.accessToken ?? null,
        refreshToken: seed?.refreshToken ?? null,
        refreshTokenIssuedAt: this.now(),
        refreshTokenSpent: null,
        seedDigest: this.seedDigest,
        status: 'ok',
        reason: null,
      };
    }
    return undefined;
  }

  /** Long enough for a lease someone else holds to end, however it ends. */
  private leaseWaitDeadline(): number {
    return this.now() + this.leaseMs + 5_000;
  }

  /** One poll's wait for another process's lease; fails once `waitUntil` has passed. */
  private async awaitOthersLease(
    waitUntil: number,
    message: string,
    signal?: AbortSignal,
  ): Promise<void> {
    if (this.now() > waitUntil) throw new OneEntryAuthError(message);
    await sleep(this.leasePollMs, signal);
  }

  /** Takes the lease if the state is still at the version read. */
  private takeLease(
    state: CredentialState,
    changes: CredentialChanges = {},
  ): Promise<CredentialWrite> {
    return this.options.store.update(
      state.version,
      { leaseOwner: this.owner, leaseUntil: this.now() + this.leaseMs, ...changes },
      this.now(),
    );
  }

  private leaseLive(state: CredentialState): boolean {
    return state.leaseOwner !== undefined && (state.leaseUntil ?? 0) > this.now();
  }

  private async obtain(rejected: string | undefined): Promise<string> {
    const waitUntil = this.leaseWaitDeadline();
    let state = await this.freshState();
    for (;;) {
      if (state.accessToken && state.accessToken !== rejected) return state.accessToken;
      if (this.leaseLive(state)) {
        await this.awaitOthersLease(
          waitUntil,
          'timed out waiting for another process to renew the token',
        );
        state = await this.freshState();
        continue;
      }
      const method = this.method(state);
      if (typeof method === 'string') return this.fail(state, method);
      // Marked spent before it is sent: if this process dies, nobody presents it again.
      const lease = await this.takeLease(
        state,
        method.kind === 'refresh' ? { refreshTokenSpent: true } : {},
      );
      if (!lease.written) {
        // Another process got there first: what it wrote comes back with the refusal.
        state = await this.settle(lease.state);
        continue;
      }
      const token = await this.perform(method, lease.state);
      if (token !== undefined) return token;
      state = await this.freshState();
    }
  }

  /** How to get new tokens from `state`, or why there is no way. */
  private method(state: CredentialState): Method | string {
    if (state.refreshToken && !state.refreshTokenSpent) {
      return { kind: 'refresh', refreshToken: state.refreshToken };
    }
    const { serviceUser } = this.options;
    if (serviceUser) {
      const refusedRecently =
        state.signInRefusedFor === digestOf(serviceUser.login, serviceUser.password) &&
        this.now() - (state.signInRefusedAt ?? 0) < SIGN_IN_RETRY_MS;
      if (!refusedRecently) return { kind: 'sign-in', user: serviceUser };
      return state.reason ?? 'OneEntry refused the sign-in of the service user';
    }
    if (state.reason && state.status === 'failing') return state.reason;
    return state.refreshToken
      ? `the refresh token was refused or spent and no service user is configured: ${ADVICE}`
      : `OneEntry needs a new access token and no refresh token is set: ${ADVICE}`;
  }

  /** Runs the auth call under the lease; undefined when the caller should look again. */
  private async perform(
    method: Method,
    leased: CredentialState,
    call: { signal?: AbortSignal | undefined; interactive?: boolean } = {},
  ): Promise<string | undefined> {
    const { api, store } = this.options;
    let pair: TokenPair;
    try {
      pair =
        method.kind === 'refresh'
          ? await api.refresh(method.refreshToken, leased.deviceId)
          : await api.signIn(method.user, leased.deviceId, call.signal);
    } catch (error) {
      if (call.interactive) throw error;
      return this.afterFailedCall(method, leased, error);
    }
    const stored = await store.update(
      leased.version,
      {
        accessToken: pair.accessToken,
        refreshToken: pair.refreshToken,
        refreshTokenIssuedAt: this.now(),
        refreshTokenSpent: null,
        status: 'ok',
        reason: null,
        signInRefusedAt: null,
        signInRefusedFor: null,
        leaseOwner: null,
        leaseUntil: null,
      },
      this.now(),
    );
    if (method.kind === 'refresh') this.activity.refreshes++;
    else this.activity.signIns++;
    if (stored.written) {
      this.cache = { state: stored.state, readAt: this.now() };
    } else {
      // The lease lapsed and someone took over: this pair is lost, the access token still works here.
      this.logger.warn('OneEntry tokens renewed after the lease lapsed; the new pair was dropped');
    }
    return pair.accessToken;
  }

  private async afterFailedCall(
    method: Method,
    leased: CredentialState,
    error: unknown,
  ): Promise<string | undefined> {
    const release = { leaseOwner: null, leaseUntil: null } as const;
    const { store } = this.options;
    if (!(error instanceof OneEntryAuthRefusedError)) {
      // OneEntry down or slow: the next caller tries again, unless the token may be spent.
      const spent = method.kind === 'refresh' && mayHaveBeenProcessed(error);
      await store.update(
        leased.version,
        { ...release, ...(method.kind === 'refresh' && !spent ? { refreshTokenSpent: null } : {}) },
        this.now(),
      );
      throw error;
    }
    this.activity.failures++;
    if (method.kind === 'refresh' && this.options.serviceUser) {
      await store.update(leased.version, { ...release, accessToken: null }, this.now());
      return undefined; // signs in on the next look
    }
    const user = method.kind === 'sign-in' ? method.user : undefined;
    const reason =
      method.kind === 'sign-in'
        ? `${error.message}: check ONEENTRY_LOGIN and ONEENTRY_PASSWORD (in AWS: login and password in the OneEntry secret)`
        : `${error.message}; a token obtained on another device is refused from this one: ${ADVICE}`;
    await store.update(
      leased.version,
      {
        ...release,
        accessToken: null,
        status: 'failing',
        reason,
        ...(user
          ? { signInRefusedAt: this.now(), signInRefusedFor: digestOf(user.login, user.password) }
          : {}),
      },
      this.now(),
    );
    this.logger.error('OneEntry authentication failing', { reason });
    throw new OneEntryAuthError(reason);
  }

  /** No way to get a token: record why (once) and say so. No call to OneEntry. */
  private async fail(state: CredentialState, reason: string): Promise<never> {
    this.activity.failures++;
    if (state.status !== 'failing' || state.reason !== reason || state.accessToken) {
      await this.options.store.update(
        state.version,
        { status: 'failing', reason, accessToken: null },
        this.now(),
      );
    }
    throw new OneEntryAuthError(reason);
  }
}
