/**
 * A local stand-in for the parts of the OneEntry API the product uses, served over real HTTP
 * on loopback, with fault injection. Tests drive it through the object `startSimulator`
 * returns; other processes through the `/_control/` API (see control.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { InvalidSimulatorInputError } from './errors';
import { type Fault, type FaultScope, faultSchema } from './faults';
import { createSimulatorServer } from './http';
import {
  type ListSettings,
  type ResponseShape,
  type SessionInit,
  type SimSession,
  SimulatorState,
  type SimulatorStats,
} from './state';
import type { TokenPair } from './tokens';

export { SIMULATOR_LOGIN_FIELDS, SIMULATOR_PROVIDER_MARKER } from './api';
export {
  InvalidSimulatorInputError,
  OrderExistsError,
  SessionExistsError,
  UnknownOrderError,
  UnknownSessionError,
} from './errors';
export type { Fault, FaultScope } from './faults';
export type { OneEntryErrorBody } from './respond';
export type {
  ListSettings,
  ResponseShape,
  SessionInit,
  SimSession,
  SimulatorStats,
} from './state';
export { ELSEWHERE_FINGERPRINT, type RefreshRefusal, type TokenPair } from './tokens';

export interface SimulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default: a random one. */
  appToken?: string;
  /** Lifetime of issued access tokens. Default 15 minutes. */
  accessTokenTtlMs?: number;
  /** Lifetime of issued refresh tokens. Default 7 days (OneEntry's example provider). */
  refreshTokenTtlMs?: number;
  /** One line per request on stderr. Default false. */
  logRequests?: boolean;
}

export interface Simulator {
  url: string;
  appToken: string;
  /**
   * A fresh access token and refresh token, bound to the device `fingerprint` (the
   * `x-device-metadata` fingerprint that may refresh it). Default: a device that is not the
   * caller's, like a token copied from a browser.
   */
  issueTokens(fingerprint?: string): TokenPair;
  /** A user who can sign in with `login` and `password` (markers `login` and `password`). */
  addUser(login: string, password: string): void;
  /** Returns the order id; without one, ids count up from 1000. */
  createOrder(orderId?: number, opts?: { responseShape?: ResponseShape }): number;
  /** Default status `waiting`, type `session`, amount and paymentUrl null, the next free id. */
  createSession(orderId: number, init?: SessionInit): SimSession;
  /** Also moves updatedDate forward. */
  setStatus(sessionId: number, status: string): void;
  setResponseShape(orderId: number, shape: ResponseShape): void;
  /** How the sessions list answers: its order, a permission cap, malformed items. */
  setListSettings(settings: Partial<ListSettings>): void;
  /** Called after each list page is served; tests change the list between pages. */
  onListPage(callback: ((offset: number) => void) | undefined): void;
  /** `null` clears the scope's fault. */
  setFault(scope: FaultScope, fault: Fault | null): void;
  clearFaults(): void;
  expireAccessTokens(): void;
  expireRefreshTokens(): void;
  stats(): SimulatorStats;
  resetStats(): void;
  /** Ends hung and delayed requests too, so it never waits on a client. */
  close(): Promise<void>;
}

const DEFAULT_ACCESS_TOKEN_TTL_MS = 15 * 60 * 1000;
const DEFAULT_REFRESH_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const accessTokenTtlMs = options.accessTokenTtlMs ?? DEFAULT_ACCESS_TOKEN_TTL_MS;
  const refreshTokenTtlMs = options.refreshTokenTtlMs ?? DEFAULT_REFRESH_TOKEN_TTL_MS;
  if (!(accessTokenTtlMs > 0) || !(refreshTokenTtlMs > 0)) {
    throw new InvalidSimulatorInputError('token lifetimes must be positive numbers');
  }
  const appToken = options.appToken ?? `sim_app_${randomBytes(18).toString('base64url')}`;
  const state = new SimulatorState({ accessTokenTtlMs, refreshTokenTtlMs });
  const { server, close } = createSimulatorServer({
    state,
    appToken,
    logRequests: options.logRequests ?? false,
  });
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    appToken,
    issueTokens: (fingerprint) => state.tokens.issue(fingerprint),
    addUser: (login, password) => state.tokens.addUser(login, password),
    createOrder: (orderId, opts) => state.createOrder(orderId, opts?.responseShape),
    createSession: (orderId, init) => state.createSession(orderId, init),
    setStatus: (sessionId, status) => {
      state.setStatus(sessionId, status);
    },
    setResponseShape: (orderId, shape) => state.setResponseShape(orderId, shape),
    setListSettings: (settings) => state.setListSettings(settings),
    onListPage: (callback) => {
      state.onListPage = callback;
    },
    setFault: (scope, fault) => {
      const named = scope === 'global' || scope === 'list';
      if (!named && !(Number.isSafeInteger(scope) && scope > 0)) {
        throw new InvalidSimulatorInputError("fault scope must be 'global', 'list' or an order id");
      }
      const checked = fault === null ? null : faultSchema.safeParse(fault);
      if (checked && !checked.success) {
        throw new InvalidSimulatorInputError(`fault: ${z.prettifyError(checked.error)}`);
      }
      state.faults.set(scope, checked ? checked.data : null);
    },
    clearFaults: () => state.faults.clear(),
    expireAccessTokens: () => state.tokens.expireAccessTokens(),
    expireRefreshTokens: () => state.tokens.expireRefreshTokens(),
    stats: () => state.stats(),
    resetStats: () => state.resetStats(),
    close,
  };
}
