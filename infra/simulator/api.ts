/**
 * The OneEntry routes the product uses: sessions by order, sign-in and the token refresh. Checks run
 * in the order OneEntry's guards would: app token, then user token, then the order id. Faults
 * hit only requests that got that far, so a fault's `times` counts requests OneEntry would
 * have served.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { Fault } from './faults';
import {
  headerValue,
  InvalidBodyError,
  readJsonBody,
  sendError,
  sendJson,
  sendText,
} from './respond';
import { orderIdSchema, type SimSession, type SimulatorState } from './state';
import type { RefreshRefusal } from './tokens';

/** The only auth provider the simulator knows; the SDK's default. */
export const SIMULATOR_PROVIDER_MARKER = 'email';

const SESSIONS_ROUTE = /^\/api\/content\/payments\/sessions\/order\/([^/]*)\/?$/;
const LIST_ROUTE = /^\/api\/content\/payments\/sessions\/?$/;
/** The SDK's default page size for `Payments.getSessions`. */
const DEFAULT_LIST_LIMIT = 30;
const REFRESH_ROUTE = /^\/api\/content\/users-auth-providers\/marker\/([^/]*)\/users\/refresh\/?$/;

const SIGN_IN_ROUTE = /^\/api\/content\/users-auth-providers\/marker\/([^/]*)\/users\/auth\/?$/;

const refreshBodySchema = z.object({ refreshToken: z.string().min(1) });
const signInBodySchema = z.object({
  authData: z.array(z.object({ marker: z.string(), value: z.string() })).min(1),
});
const deviceMetadataSchema = z.object({ fingerprint: z.string().min(1) });

/** The auth form's field markers, as in OneEntry's public docs. */
export const SIMULATOR_LOGIN_FIELDS = { login: 'login', password: 'password' } as const;

export interface ApiContext {
  state: SimulatorState;
  appToken: string;
  /** Aborted by close(), so added latency never holds the simulator open. */
  closing: AbortSignal;
}

/** A malformed escape stays as sent: it then fails validation like any other bad value. */
function decodePathParam(raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? '');
  } catch {
    return raw ?? '';
  }
}

/** Answers the request if it is for a OneEntry route; false when the path is not one. */
export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  context: ApiContext,
): Promise<boolean> {
  const sessionsMatch = SESSIONS_ROUTE.exec(path);
  if (sessionsMatch && req.method === 'GET') {
    await answerSessions(req, res, decodePathParam(sessionsMatch[1]), context);
    return true;
  }
  if (LIST_ROUTE.test(path) && req.method === 'GET') {
    await answerList(req, res, context);
    return true;
  }
  const refreshMatch = REFRESH_ROUTE.exec(path);
  if (refreshMatch && req.method === 'POST') {
    await answerRefresh(req, res, decodePathParam(refreshMatch[1]), context);
    return true;
  }
  const signInMatch = SIGN_IN_ROUTE.exec(path);
  if (signInMatch && req.method === 'POST') {
    await answerSignIn(req, res, decodePathParam(signInMatch[1]), context);
    return true;
  }
  return false;
}

/** The fingerprint of `x-device-metadata`, or undefined when the header is missing or malformed. */
function deviceFingerprint(req: IncomingMessage): string | undefined {
  try {
    const parsed = deviceMetadataSchema.safeParse(
      JSON.parse(headerValue(req, 'x-device-metadata') ?? ''),
    );
    return parsed.success ? parsed.data.fingerprint : undefined;
  } catch {
    return undefined;
  }
}

/** The checks every auth route makes first; answers and returns false when one fails. */
async function authRequest(
  req: IncomingMessage,
  res: ServerResponse,
  marker: string,
  { state, appToken }: ApiContext,
): Promise<{ fingerprint: string; body: unknown } | undefined> {
  if (!hasAppToken(req, appToken)) {
    unauthorized(res, state, 'Invalid or missing x-app-token');
    return undefined;
  }
  if (marker !== SIMULATOR_PROVIDER_MARKER) {
    sendError(res, 404, `Auth provider '${marker}' not found`);
    return undefined;
  }
  const fingerprint = deviceFingerprint(req);
  if (!fingerprint) {
    sendError(res, 400, 'x-device-metadata with a fingerprint is required');
    return undefined;
  }
  try {
    return { fingerprint, body: await readJsonBody(req) };
  } catch (error) {
    if (!(error instanceof InvalidBodyError)) throw error;
    sendError(res, 400, error.message);
    return undefined;
  }
}

async function answerSignIn(
  req: IncomingMessage,
  res: ServerResponse,
  marker: string,
  context: ApiContext,
): Promise<void> {
  const { state } = context;
  const request = await authRequest(req, res, marker, context);
  if (!request) return state.recordSignIn(false);
  const parsed = signInBodySchema.safeParse(request.body);
  if (!parsed.success) {
    state.recordSignIn(false);
    return sendError(res, 400, 'authData must be a list of {marker, value}');
  }
  const field = (marker: string) =>
    parsed.data.authData.find((entry) => entry.marker === marker)?.value;
  const login = field(SIMULATOR_LOGIN_FIELDS.login);
  const password = field(SIMULATOR_LOGIN_FIELDS.password);
  if (login === undefined || password === undefined) {
    state.recordSignIn(false);
    return sendError(
      res,
      400,
      `authData needs the markers '${SIMULATOR_LOGIN_FIELDS.login}' and '${SIMULATOR_LOGIN_FIELDS.password}'`,
    );
  }
  const pair = state.tokens.signIn(login, password, request.fingerprint);
  state.recordSignIn(!pair);
  if (!pair) return unauthorized(res, state, 'Wrong login or password');
  sendJson(res, 200, {
    userIdentifier: login,
    authProviderIdentifier: marker,
    ...pair,
  });
}

function unauthorized(res: ServerResponse, state: SimulatorState, message: string): void {
  state.recordUnauthorized();
  sendError(res, 401, message);
}

function hasAppToken(req: IncomingMessage, appToken: string): boolean {
  return headerValue(req, 'x-app-token') === appToken;
}

/** Why the user is not authorized, or undefined when the bearer token is good. */
function bearerProblem(req: IncomingMessage, state: SimulatorState): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(headerValue(req, 'authorization') ?? '');
  if (!match?.[1]) return 'Authorization: Bearer <accessToken> is required';
  switch (state.tokens.checkAccessToken(match[1])) {
    case 'valid':
      return undefined;
    case 'expired':
      return 'Access token expired';
    case 'unknown':
      return 'Invalid access token';
  }
}

async function answerSessions(
  req: IncomingMessage,
  res: ServerResponse,
  rawOrderId: string,
  { state, appToken, closing }: ApiContext,
): Promise<void> {
  const orderId = orderIdSchema.safeParse(/^\d+$/.test(rawOrderId) ? Number(rawOrderId) : NaN);
  state.recordSessionRequest(orderId.success ? orderId.data : undefined);
  if (!hasAppToken(req, appToken)) {
    return unauthorized(res, state, 'Invalid or missing x-app-token');
  }
  const problem = bearerProblem(req, state);
  if (problem) return unauthorized(res, state, problem);
  if (!orderId.success) {
    // NestJS's ParseIntPipe message, which OneEntry answers with.
    return sendError(res, 400, 'Validation failed (numeric string is expected)');
  }

  const fault = state.faults.take(orderId.data);
  // Read when the request arrives, answered after the latency, as over a slow network: a
  // slow answer can be older than a fast one sent after it.
  const found = state.sessionsOf(orderId.data);
  if (await faultAnswered(res, fault, found?.sessions ?? [], closing)) return;

  if (!found || found.sessions.length === 0) {
    return sendError(res, 404, `Payment sessions for order ${orderId.data} not found`);
  }
  const newest = found.sessions.at(-1);
  sendJson(res, 200, found.responseShape === 'object' ? newest : found.sessions);
}

/** A query parameter as a non-negative integer; undefined when absent, NaN when invalid. */
function integerParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  return /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
}

async function answerList(
  req: IncomingMessage,
  res: ServerResponse,
  { state, appToken, closing }: ApiContext,
): Promise<void> {
  state.recordListRequest();
  if (!hasAppToken(req, appToken)) {
    return unauthorized(res, state, 'Invalid or missing x-app-token');
  }
  const problem = bearerProblem(req, state);
  if (problem) return unauthorized(res, state, problem);
  const query = new URL(req.url ?? '/', 'http://simulator').searchParams;
  const offset = integerParam(query, 'offset') ?? 0;
  const limit = integerParam(query, 'limit') ?? DEFAULT_LIST_LIMIT;
  if (Number.isNaN(offset) || Number.isNaN(limit) || limit < 1) {
    return sendError(res, 400, 'Validation failed (numeric string is expected)');
  }
  if (await faultAnswered(res, state.faults.takeList(), [], closing)) return;
  sendJson(res, 200, state.listSessions(offset, limit));
  state.onListPage?.(offset);
}

/**
 * Plays `fault`: waits its latency, then answers as it says. True when the request is done
 * with (answered, hung, or the simulator closed meanwhile); false when the route answers.
 */
async function faultAnswered(
  res: ServerResponse,
  fault: Fault | undefined,
  sessions: SimSession[],
  closing: AbortSignal,
): Promise<boolean> {
  if (!fault) return false;
  if (fault.latencyMs) {
    try {
      await delay(fault.latencyMs, undefined, { signal: closing });
    } catch {
      return true; // The simulator is closing: it ends this connection itself.
    }
  }
  if (fault.hang) return true; // Never answered; close() ends the connection.
  return answerWithFault(res, fault, sessions);
}

/** Answers as `fault` says; false when the fault only adds latency. */
function answerWithFault(res: ServerResponse, fault: Fault, sessions: SimSession[]): boolean {
  if (fault.status !== undefined) {
    const headers =
      fault.retryAfterSeconds === undefined
        ? {}
        : { 'retry-after': String(fault.retryAfterSeconds) };
    sendError(res, fault.status, `Simulated failure (${fault.status})`, headers);
    return true;
  }
  if (fault.malformed) {
    sendText(res, 200, '[{"id":1,"status":"waiting","orderId":');
    return true;
  }
  if (fault.wrongShape === 'foreign-object') {
    sendJson(res, 200, { foo: 1 });
    return true;
  }
  if (fault.wrongShape === 'string-id') {
    const sample = sessions.length > 0 ? sessions : [{ id: 1, orderId: 1, status: 'waiting' }];
    sendJson(
      res,
      200,
      sample.map((session) => ({ ...session, id: String(session.id) })),
    );
    return true;
  }
  return false;
}

async function answerRefresh(
  req: IncomingMessage,
  res: ServerResponse,
  marker: string,
  context: ApiContext,
): Promise<void> {
  const { state } = context;
  const request = await authRequest(req, res, marker, context);
  if (!request) return state.recordRefresh();
  const parsed = refreshBodySchema.safeParse(request.body);
  if (!parsed.success) {
    state.recordRefresh();
    return sendError(res, 400, 'refreshToken must be a non-empty string');
  }
  const outcome = state.tokens.rotate(parsed.data.refreshToken, request.fingerprint);
  if (typeof outcome === 'string') {
    state.recordRefresh(outcome);
    return unauthorized(res, state, REFUSALS[outcome]);
  }
  state.recordRefresh();
  sendJson(res, 200, {
    userIdentifier: 'sim-user@example.test',
    authProviderIdentifier: marker,
    ...outcome,
  });
}

const REFUSALS: Record<RefreshRefusal, string> = {
  unknown: 'Invalid refresh token',
  spent: 'Refresh token already used',
  expired: 'Refresh token expired',
  'other-device': 'Refresh token was issued to another device',
};
