import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ELSEWHERE_FINGERPRINT,
  InvalidSimulatorInputError,
  OrderExistsError,
  SessionExistsError,
  type Simulator,
  startSimulator,
  type TokenPair,
  UnknownOrderError,
  UnknownSessionError,
} from '../../infra/simulator/simulator';

let sim: Simulator;
let user: TokenPair;
/** The device the test's requests present; `user`'s tokens are bound to it. */
const DEVICE = 'UQ_test';

beforeEach(async () => {
  sim = await startSimulator();
  user = sim.issueTokens(DEVICE);
});

afterEach(async () => {
  await sim.close();
});

function authHeaders(accessToken = user.accessToken): Record<string, string> {
  return { 'x-app-token': sim.appToken, authorization: `Bearer ${accessToken}` };
}

function getSessions(
  orderId: number | string,
  headers: Record<string, string> = authHeaders(),
  init: RequestInit = {},
): Promise<Response> {
  return fetch(`${sim.url}/api/content/payments/sessions/order/${orderId}`, { headers, ...init });
}

function authCall(
  action: 'refresh' | 'auth',
  body: unknown,
  {
    marker = 'email',
    appToken = sim.appToken,
    fingerprint = DEVICE,
  }: { marker?: string; appToken?: string; fingerprint?: string | null } = {},
): Promise<Response> {
  return fetch(`${sim.url}/api/content/users-auth-providers/marker/${marker}/users/${action}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-app-token': appToken,
      ...(fingerprint === null
        ? {}
        : {
            'x-device-metadata': JSON.stringify({ fingerprint, deviceInfo: { os: 'Node.js' } }),
          }),
    },
    body: JSON.stringify(body),
  });
}

function refresh(refreshToken: string, options: Parameters<typeof authCall>[2] = {}) {
  return authCall('refresh', { refreshToken }, options);
}

function signIn(login: string, password: string, options: Parameters<typeof authCall>[2] = {}) {
  return authCall(
    'auth',
    {
      authData: [
        { marker: 'login', value: login },
        { marker: 'password', value: password },
      ],
    },
    options,
  );
}

function control(method: string, path: string, body?: unknown, appToken = sim.appToken) {
  return fetch(`${sim.url}/_control/${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-app-token': appToken },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

type WireSession = Record<string, unknown> & {
  id: number | string;
  status: string;
  createdDate: string;
  updatedDate: string;
};

async function readJson<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

async function sessionsIn(orderId: number): Promise<WireSession[]> {
  return readJson<WireSession[]>(await getSessions(orderId));
}

function orderWithOneSession(): { orderId: number; sessionId: number } {
  const orderId = sim.createOrder();
  return { orderId, sessionId: sim.createSession(orderId).id };
}

const oneEntryErrorBody = (statusCode: number) => ({
  statusCode,
  message: expect.any(String),
  pageData: null,
  timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
});

describe('authorization on the sessions route', () => {
  it('answers 401 with the error body when x-app-token is missing', async () => {
    const { orderId } = orderWithOneSession();
    const response = await getSessions(orderId, { authorization: `Bearer ${user.accessToken}` });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(oneEntryErrorBody(401));
  });

  it('answers 401 when x-app-token is wrong', async () => {
    const { orderId } = orderWithOneSession();
    const response = await getSessions(orderId, { ...authHeaders(), 'x-app-token': 'not-it' });
    expect(response.status).toBe(401);
  });

  it('answers 401 without a bearer token', async () => {
    const { orderId } = orderWithOneSession();
    const response = await getSessions(orderId, { 'x-app-token': sim.appToken });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(oneEntryErrorBody(401));
  });

  it('answers 401 for an access token it never issued', async () => {
    const { orderId } = orderWithOneSession();
    expect((await getSessions(orderId, authHeaders('sim_at_forged'))).status).toBe(401);
  });

  it('refuses every access token after expireAccessTokens()', async () => {
    const { orderId } = orderWithOneSession();
    expect((await getSessions(orderId)).status).toBe(200);
    sim.expireAccessTokens();
    const response = await getSessions(orderId);
    expect(response.status).toBe(401);
    expect((await readJson<{ message: string }>(response)).message).toMatch(/expired/i);
  });

  it('refuses access tokens older than accessTokenTtlMs', async () => {
    const shortLived = await startSimulator({ accessTokenTtlMs: 100 });
    try {
      const orderId = shortLived.createOrder();
      shortLived.createSession(orderId);
      const { accessToken } = shortLived.issueTokens();
      const url = `${shortLived.url}/api/content/payments/sessions/order/${orderId}`;
      const headers = {
        'x-app-token': shortLived.appToken,
        authorization: `Bearer ${accessToken}`,
      };
      expect((await fetch(url, { headers })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect((await fetch(url, { headers })).status).toBe(401);
    } finally {
      await shortLived.close();
    }
  });

  it('counts every 401 it answers', async () => {
    const { orderId } = orderWithOneSession();
    await getSessions(orderId, { 'x-app-token': sim.appToken });
    await refresh('sim_rt_forged');
    expect(sim.stats().unauthorized).toBe(2);
  });
});

describe('token refresh', () => {
  it('rotates both tokens, and the new access token is accepted', async () => {
    const response = await refresh(user.refreshToken);
    expect(response.status).toBe(200);
    const rotated = (await response.json()) as TokenPair;
    expect(rotated.accessToken).toEqual(expect.any(String));
    expect(rotated.refreshToken).toEqual(expect.any(String));
    expect(rotated.accessToken).not.toBe(user.accessToken);
    expect(rotated.refreshToken).not.toBe(user.refreshToken);

    const { orderId } = orderWithOneSession();
    sim.expireAccessTokens();
    expect((await getSessions(orderId)).status).toBe(401);
    const again = (await (await refresh(rotated.refreshToken)).json()) as TokenPair;
    expect((await getSessions(orderId, authHeaders(again.accessToken))).status).toBe(200);
  });

  it('refuses a refresh token that was already spent', async () => {
    expect((await refresh(user.refreshToken)).status).toBe(200);
    const reuse = await refresh(user.refreshToken);
    expect(reuse.status).toBe(401);
    expect(await reuse.json()).toEqual(oneEntryErrorBody(401));
  });

  it('answers 401 to a refresh with a wrong app token', async () => {
    expect((await refresh(user.refreshToken, { appToken: 'not-it' })).status).toBe(401);
  });

  it('answers 404 for an unknown auth provider marker', async () => {
    const response = await refresh(user.refreshToken, { marker: 'google' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(oneEntryErrorBody(404));
  });

  it('answers 400 when the body carries no refresh token', async () => {
    const response = await fetch(
      `${sim.url}/api/content/users-auth-providers/marker/email/users/refresh`,
      { method: 'POST', headers: { 'x-app-token': sim.appToken }, body: '{}' },
    );
    expect(response.status).toBe(400);
  });

  it('counts refresh attempts, refused ones included, so duplicate refreshes show', async () => {
    await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    expect(sim.stats().refreshes).toBe(2);
    expect(sim.stats().refreshesRefused.spent).toBe(1);
  });

  it('refuses a refresh from another device without spending the token', async () => {
    const elsewhere = await refresh(user.refreshToken, { fingerprint: 'UQ_someone-else' });
    expect(elsewhere.status).toBe(401);
    expect(sim.stats().refreshesRefused['other-device']).toBe(1);
    expect((await refresh(user.refreshToken)).status).toBe(200);
  });

  it('binds a token issued without a device to a device that is not the caller', async () => {
    const copied = sim.issueTokens();
    expect((await refresh(copied.refreshToken)).status).toBe(401);
    expect(
      (await refresh(copied.refreshToken, { fingerprint: ELSEWHERE_FINGERPRINT })).status,
    ).toBe(200);
  });

  it('answers 400 when x-device-metadata is missing or has no fingerprint', async () => {
    expect((await refresh(user.refreshToken, { fingerprint: null })).status).toBe(400);
    expect((await refresh(user.refreshToken, { fingerprint: '' })).status).toBe(400);
  });

  it('refuses an expired refresh token', async () => {
    const shortLived = await startSimulator({ refreshTokenTtlMs: 1 });
    try {
      const tokens = shortLived.issueTokens(DEVICE);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const response = await fetch(
        `${shortLived.url}/api/content/users-auth-providers/marker/email/users/refresh`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-app-token': shortLived.appToken,
            'x-device-metadata': JSON.stringify({ fingerprint: DEVICE }),
          },
          body: JSON.stringify({ refreshToken: tokens.refreshToken }),
        },
      );
      expect(response.status).toBe(401);
      expect(shortLived.stats().refreshesRefused.expired).toBe(1);
    } finally {
      await shortLived.close();
    }
  });
});

describe('sign-in', () => {
  beforeEach(() => sim.addUser('watcher@example.test', 'right'));

  it('signs a user in with the form markers and binds the pair to the device', async () => {
    const response = await signIn('watcher@example.test', 'right');
    expect(response.status).toBe(200);
    const body = (await response.json()) as TokenPair & Record<string, unknown>;
    expect(body).toMatchObject({
      userIdentifier: 'watcher@example.test',
      authProviderIdentifier: 'email',
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
    });
    const { orderId } = orderWithOneSession();
    expect((await getSessions(orderId, authHeaders(body.accessToken))).status).toBe(200);
    expect((await refresh(body.refreshToken, { fingerprint: 'UQ_other' })).status).toBe(401);
    expect((await refresh(body.refreshToken)).status).toBe(200);
    expect(sim.stats()).toMatchObject({ signIns: 1, signInsRefused: 0 });
  });

  it('answers 401 to a wrong password or an unknown login, and counts it', async () => {
    expect((await signIn('watcher@example.test', 'wrong')).status).toBe(401);
    expect((await signIn('nobody@example.test', 'right')).status).toBe(401);
    expect(sim.stats()).toMatchObject({ signIns: 2, signInsRefused: 2 });
  });

  it('answers 400 without the device metadata or the form markers', async () => {
    expect((await signIn('watcher@example.test', 'right', { fingerprint: null })).status).toBe(400);
    const wrongMarkers = await authCall('auth', {
      authData: [{ marker: 'email', value: 'watcher@example.test' }],
    });
    expect(wrongMarkers.status).toBe(400);
    expect((await authCall('auth', { nope: true })).status).toBe(400);
  });

  it('answers 401 to a wrong app token and 404 to an unknown provider', async () => {
    expect((await signIn('watcher@example.test', 'right', { appToken: 'x' })).status).toBe(401);
    expect((await signIn('watcher@example.test', 'right', { marker: 'google' })).status).toBe(404);
  });
});

describe('sessions by order', () => {
  it('answers an array of sessions with every ISessionEntity field, clientSecret and an unknown field', async () => {
    const orderId = sim.createOrder();
    const created = sim.createSession(orderId, { amount: 12.5, paymentUrl: 'https://pay.test/x' });
    const response = await getSessions(orderId);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual([
      {
        id: created.id,
        createdDate: expect.any(String),
        updatedDate: expect.any(String),
        type: 'session',
        status: 'waiting',
        paymentAccountId: 1,
        orderId,
        amount: 12.5,
        paymentUrl: 'https://pay.test/x',
        clientSecret: expect.stringMatching(/^pi_\w+_secret_\w+$/),
        locale: 'en_US',
      },
    ]);
  });

  it('defaults amount and paymentUrl to null, as in the documented example', async () => {
    const { orderId } = orderWithOneSession();
    const [session] = await sessionsIn(orderId);
    expect(session).toMatchObject({ amount: null, paymentUrl: null });
  });

  it('lists every session of an order, oldest first', async () => {
    const orderId = sim.createOrder();
    const first = sim.createSession(orderId, { status: 'cancelled' });
    const second = sim.createSession(orderId, { type: 'intent' });
    const body = await sessionsIn(orderId);
    expect(body.map((session) => session.id)).toEqual([first.id, second.id]);
    expect(body[1]).toMatchObject({ type: 'intent', status: 'waiting' });
  });

  it("answers one object, the newest session, for an order shaped 'object'", async () => {
    const orderId = sim.createOrder(undefined, { responseShape: 'object' });
    sim.createSession(orderId);
    const newest = sim.createSession(orderId, { status: 'completed' });
    const body = await readJson<unknown>(await getSessions(orderId));
    expect(Array.isArray(body)).toBe(false);
    expect(body).toMatchObject({ id: newest.id, status: 'completed', orderId });
  });

  it('switches shape with setResponseShape', async () => {
    const { orderId } = orderWithOneSession();
    sim.setResponseShape(orderId, 'object');
    expect(Array.isArray(await (await getSessions(orderId)).json())).toBe(false);
    sim.setResponseShape(orderId, 'array');
    expect(Array.isArray(await (await getSessions(orderId)).json())).toBe(true);
  });

  it('answers 404 with the OneEntry error body for an unknown order', async () => {
    const response = await getSessions(424242);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(oneEntryErrorBody(404));
  });

  it('answers 404 for an order without sessions', async () => {
    const orderId = sim.createOrder();
    expect((await getSessions(orderId)).status).toBe(404);
  });

  it('answers 400 with the OneEntry error body for a non-numeric order id', async () => {
    const response = await getSessions('abc');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(oneEntryErrorBody(400));
  });

  it('serves a new status with a later updatedDate after setStatus', async () => {
    const { orderId, sessionId } = orderWithOneSession();
    const [before] = await sessionsIn(orderId);
    sim.setStatus(sessionId, 'completed');
    const [after] = await sessionsIn(orderId);
    expect(after?.status).toBe('completed');
    expect(Date.parse(after?.updatedDate ?? '')).toBeGreaterThan(
      Date.parse(before?.updatedDate ?? ''),
    );
    expect(after?.createdDate).toBe(before?.createdDate);
  });

  it('moves updatedDate forward even when the status changes within the same millisecond', async () => {
    const orderId = sim.createOrder();
    const { id } = sim.createSession(orderId);
    sim.setStatus(id, 'processing');
    const [session] = await sessionsIn(orderId);
    expect(Date.parse(session?.updatedDate ?? '')).toBeGreaterThan(
      Date.parse(session?.createdDate ?? ''),
    );
  });

  it('keeps a session id given to createSession and numbers later sessions after it', () => {
    const orderId = sim.createOrder();
    expect(sim.createSession(orderId, { id: 40 }).id).toBe(40);
    expect(sim.createSession(orderId).id).toBe(41);
    expect(() => sim.createSession(orderId, { id: 41 })).toThrow(SessionExistsError);
  });

  it('keeps the dates given to createSession, so a rebuilt session looks no newer than before', async () => {
    const orderId = sim.createOrder();
    const dates = {
      createdDate: '2026-11-26T10:00:00.000Z',
      updatedDate: '2026-11-26T10:05:00.000Z',
    };
    sim.createSession(orderId, { status: 'completed', ...dates });
    expect(await sessionsIn(orderId)).toMatchObject([dates]);
    expect(() => sim.createSession(orderId, { updatedDate: 'yesterday' })).toThrow(/updatedDate/);
  });

  it('numbers orders from 1000 and skips ids taken explicitly', () => {
    expect(sim.createOrder()).toBe(1000);
    expect(sim.createOrder(1001)).toBe(1001);
    expect(sim.createOrder()).toBe(1002);
  });

  it('refuses bad input from the programmatic API with named errors', () => {
    const orderId = sim.createOrder();
    expect(() => sim.createOrder(orderId)).toThrow(OrderExistsError);
    expect(() => sim.createOrder(-1)).toThrow(InvalidSimulatorInputError);
    expect(() => sim.createSession(999_999)).toThrow(UnknownOrderError);
    expect(() => sim.setStatus(999_999, 'completed')).toThrow(UnknownSessionError);
    expect(() => sim.setFault('global', { hang: true, status: 500 })).toThrow(
      InvalidSimulatorInputError,
    );
  });

  it('counts session requests per order until resetStats()', async () => {
    const a = orderWithOneSession().orderId;
    const b = orderWithOneSession().orderId;
    await getSessions(a);
    await getSessions(a);
    await getSessions(b);
    expect(sim.stats()).toMatchObject({
      sessionRequests: 3,
      sessionRequestsByOrder: { [a]: 2, [b]: 1 },
    });
    sim.resetStats();
    expect(sim.stats()).toEqual({
      sessionRequests: 0,
      sessionRequestsByOrder: {},
      listRequests: 0,
      refreshes: 0,
      refreshesRefused: { unknown: 0, spent: 0, expired: 0, 'other-device': 0 },
      signIns: 0,
      signInsRefused: 0,
      unauthorized: 0,
    });
  });
});

describe('faults', () => {
  it('answers the injected status with the OneEntry error body', async () => {
    const { orderId } = orderWithOneSession();
    sim.setFault(orderId, { status: 503 });
    const response = await getSessions(orderId);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual(oneEntryErrorBody(503));
  });

  it('sends Retry-After with a 429', async () => {
    const { orderId } = orderWithOneSession();
    sim.setFault(orderId, { status: 429, retryAfterSeconds: 7 });
    const response = await getSessions(orderId);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
  });

  it('applies a fault with times to that many requests only', async () => {
    const { orderId } = orderWithOneSession();
    sim.setFault(orderId, { status: 502, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await getSessions(orderId)).status);
    expect(statuses).toEqual([502, 502, 200]);
  });

  it('adds latency and then answers normally', async () => {
    const { orderId } = orderWithOneSession();
    sim.setFault(orderId, { latencyMs: 250 });
    const startedAt = performance.now();
    const response = await getSessions(orderId);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(240);
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(1);
  });

  it('adds latency before an injected status', async () => {
    const { orderId } = orderWithOneSession();
    sim.setFault(orderId, { latencyMs: 150, status: 500 });
    const startedAt = performance.now();
    expect((await getSessions(orderId)).status).toBe(500);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(140);
  });

  it('leaves a hung request unanswered, so the client times out', async () => {
    const { orderId } = orderWithOneSession();
    sim.setFault(orderId, { hang: true, times: 1 });
    await expect(
      getSessions(orderId, authHeaders(), { signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow(/timeout|aborted/i);
    expect((await getSessions(orderId)).status).toBe(200);
  });

  it('answers 200 with text that is not JSON when malformed', async () => {
    const { orderId } = orderWithOneSession();
    sim.setFault(orderId, { malformed: true });
    const response = await getSessions(orderId);
    expect(response.status).toBe(200);
    await expect(response.json()).rejects.toThrow(SyntaxError);
  });

  it("answers a foreign JSON object for wrongShape 'foreign-object'", async () => {
    const { orderId } = orderWithOneSession();
    sim.setFault(orderId, { wrongShape: 'foreign-object' });
    const response = await getSessions(orderId);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ foo: 1 });
  });

  it("answers sessions whose id is a string for wrongShape 'string-id'", async () => {
    const { orderId, sessionId } = orderWithOneSession();
    sim.setFault(orderId, { wrongShape: 'string-id' });
    const [session] = await sessionsIn(orderId);
    expect(session).toMatchObject({ id: String(sessionId), orderId });
  });

  it("prefers an order's own fault to the global one, which covers the other orders", async () => {
    const faulted = orderWithOneSession().orderId;
    const other = orderWithOneSession().orderId;
    sim.setFault('global', { status: 500 });
    sim.setFault(faulted, { status: 503 });
    expect((await getSessions(faulted)).status).toBe(503);
    expect((await getSessions(other)).status).toBe(500);
  });

  it('spends times only on requests that passed authorization', async () => {
    const { orderId } = orderWithOneSession();
    sim.setFault(orderId, { status: 500, times: 1 });
    expect((await getSessions(orderId, { 'x-app-token': sim.appToken })).status).toBe(401);
    expect((await getSessions(orderId)).status).toBe(500);
    expect((await getSessions(orderId)).status).toBe(200);
  });

  it('leaves the refresh route alone', async () => {
    sim.setFault('global', { status: 500 });
    expect((await refresh(user.refreshToken)).status).toBe(200);
  });

  it('stops a fault with setFault(scope, null) and every fault with clearFaults()', async () => {
    const a = orderWithOneSession().orderId;
    const b = orderWithOneSession().orderId;
    sim.setFault(a, { status: 500 });
    sim.setFault(b, { status: 500 });
    sim.setFault(a, null);
    expect((await getSessions(a)).status).toBe(200);
    expect((await getSessions(b)).status).toBe(500);
    sim.setFault('global', { status: 500 });
    sim.clearFaults();
    expect((await getSessions(b)).status).toBe(200);
  });
});

describe('control API', () => {
  it('requires the app token', async () => {
    const response = await control('GET', 'stats', undefined, 'not-it');
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(oneEntryErrorBody(401));
  });

  it('creates orders and sessions and changes statuses that the sessions route then serves', async () => {
    const created = await control('POST', 'orders', { orderId: 77, responseShape: 'object' });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ orderId: 77 });

    const session = await control('POST', 'orders/77/sessions', { status: 'waiting', amount: 5 });
    expect(session.status).toBe(201);
    const { id } = (await session.json()) as { id: number };

    const changed = await control('POST', `sessions/${id}/status`, { status: 'completed' });
    expect(changed.status).toBe(200);
    expect(await (await getSessions(77)).json()).toMatchObject({
      id,
      status: 'completed',
      amount: 5,
    });
  });

  it('gives the next free id to an order created without one', async () => {
    expect(await (await control('POST', 'orders', {})).json()).toEqual({ orderId: 1000 });
  });

  it('switches the response shape of an order', async () => {
    const { orderId } = orderWithOneSession();
    const response = await control('PUT', `orders/${orderId}/response-shape`, {
      responseShape: 'object',
    });
    expect(response.status).toBe(204);
    expect(Array.isArray(await (await getSessions(orderId)).json())).toBe(false);
  });

  it('sets faults per order and globally, and clears them', async () => {
    const { orderId } = orderWithOneSession();
    expect((await control('PUT', `faults/${orderId}`, { status: 503, times: 1 })).status).toBe(204);
    expect((await getSessions(orderId)).status).toBe(503);
    expect((await getSessions(orderId)).status).toBe(200);

    await control('PUT', 'faults/global', { status: 429, retryAfterSeconds: 1 });
    expect((await getSessions(orderId)).status).toBe(429);
    expect((await control('DELETE', 'faults')).status).toBe(204);
    expect((await getSessions(orderId)).status).toBe(200);
  });

  it('answers 400 naming the problem for a fault body it cannot accept', async () => {
    const unknownField = await control('PUT', 'faults/global', { explode: true });
    expect(unknownField.status).toBe(400);
    expect((await readJson<{ message: string }>(unknownField)).message).toMatch(/explode/);

    const twoAnswers = await control('PUT', 'faults/global', { hang: true, malformed: true });
    expect(twoAnswers.status).toBe(400);
    expect((await readJson<{ message: string }>(twoAnswers)).message).toMatch(/at most one/);

    const badScope = await control('PUT', 'faults/everywhere', { status: 500 });
    expect(badScope.status).toBe(400);
  });

  it('answers 400 naming the field for a bad order body, and for a body that is not JSON', async () => {
    const badField = await control('POST', 'orders', { orderId: 'abc' });
    expect(badField.status).toBe(400);
    expect(await badField.json()).toEqual({
      ...oneEntryErrorBody(400),
      message: expect.stringMatching(/orderId/),
    });

    const notJson = await fetch(`${sim.url}/_control/orders`, {
      method: 'POST',
      headers: { 'x-app-token': sim.appToken },
      body: '{nope',
    });
    expect(notJson.status).toBe(400);
  });

  it('answers 404 for an unknown session or order and 409 for a duplicate order', async () => {
    expect((await control('POST', 'sessions/999/status', { status: 'x' })).status).toBe(404);
    expect((await control('POST', 'orders/999/sessions', {})).status).toBe(404);
    sim.createOrder(5);
    expect((await control('POST', 'orders', { orderId: 5 })).status).toBe(409);
    sim.createSession(5, { id: 9 });
    expect((await control('POST', 'orders/5/sessions', { id: 9 })).status).toBe(409);
  });

  it('issues working tokens and expires them', async () => {
    const { orderId } = orderWithOneSession();
    const issued = await control('POST', 'tokens', { fingerprint: DEVICE });
    expect(issued.status).toBe(201);
    const tokens = (await issued.json()) as TokenPair;
    expect((await getSessions(orderId, authHeaders(tokens.accessToken))).status).toBe(200);

    expect((await control('POST', 'expire-tokens')).status).toBe(204);
    expect((await getSessions(orderId, authHeaders(tokens.accessToken))).status).toBe(401);
    expect((await refresh(tokens.refreshToken)).status).toBe(200);
  });

  it('adds users and expires refresh tokens', async () => {
    expect(
      (await control('POST', 'users', { login: 'ctl@example.test', password: 'pw' })).status,
    ).toBe(204);
    const pair = (await (await signIn('ctl@example.test', 'pw')).json()) as TokenPair;
    expect((await control('POST', 'expire-refresh-tokens')).status).toBe(204);
    expect((await refresh(pair.refreshToken)).status).toBe(401);
    expect((await control('POST', 'users', { login: 'x' })).status).toBe(400);
  });

  it('reports stats and leaves its own calls out of them', async () => {
    const { orderId } = orderWithOneSession();
    await getSessions(orderId);
    await control('GET', 'stats', undefined, 'not-it');
    const stats = await (await control('GET', 'stats')).json();
    expect(stats).toEqual({
      sessionRequests: 1,
      sessionRequestsByOrder: { [orderId]: 1 },
      listRequests: 0,
      refreshes: 0,
      refreshesRefused: { unknown: 0, spent: 0, expired: 0, 'other-device': 0 },
      signIns: 0,
      signInsRefused: 0,
      unauthorized: 0,
    });
    expect((await control('DELETE', 'stats')).status).toBe(204);
    expect(sim.stats().sessionRequests).toBe(0);
  });

  it('answers 404 for a control route that does not exist', async () => {
    expect((await control('GET', 'nothing-here')).status).toBe(404);
  });
});

describe('close', () => {
  async function waitForSessionRequest(): Promise<void> {
    while (sim.stats().sessionRequests === 0) await new Promise((r) => setTimeout(r, 10));
  }

  /** Fails fast instead of letting a close() that waits on clients run into the test timeout. */
  async function closeWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`close() still pending after ${ms} ms`)), ms);
    });
    try {
      await Promise.race([sim.close(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  it('returns promptly with a hung request pending, and the client sees its connection end', async () => {
    const { orderId } = orderWithOneSession();
    sim.setFault(orderId, { hang: true });
    const pending = getSessions(orderId);
    pending.catch(() => {}); // asserted below; keeps the rejection from counting as unhandled
    await waitForSessionRequest();

    await closeWithin(1000);
    await expect(pending).rejects.toThrow(TypeError);
  });

  it('does not wait out added latency', async () => {
    const { orderId } = orderWithOneSession();
    sim.setFault(orderId, { latencyMs: 60_000 });
    const pending = getSessions(orderId);
    pending.catch(() => {});
    await waitForSessionRequest();

    await closeWithin(1000);
    await expect(pending).rejects.toThrow(TypeError);
  });

  it('can be called twice', async () => {
    await sim.close();
    await expect(sim.close()).resolves.toBeUndefined();
  });
});

describe('sessions list', () => {
  const list = (query = '', headers: Record<string, string> = authHeaders()) =>
    fetch(`${sim.url}/api/content/payments/sessions${query}`, { headers });

  it('answers {items, total}, newest first, 30 to a page by default', async () => {
    for (let index = 0; index < 32; index++) orderWithOneSession();
    const body = (await (await list()).json()) as { items: { id: number }[]; total: number };
    expect(body.total).toBe(32);
    expect(body.items).toHaveLength(30);
    expect(body.items[0]?.id).toBe(32);
    expect(sim.stats().listRequests).toBe(1);
  });

  it('answers 400 to an offset or limit that is not a number, and 401 without a user token', async () => {
    expect((await list('?offset=abc')).status).toBe(400);
    expect((await list('?limit=0')).status).toBe(400);
    expect((await list('', { 'x-app-token': sim.appToken })).status).toBe(401);
  });

  it("serves the 'list' fault scope and leaves the sessions route alone", async () => {
    const { orderId } = orderWithOneSession();
    sim.setFault('list', { status: 503, times: 1 });
    expect((await list()).status).toBe(503);
    expect((await getSessions(orderId)).status).toBe(200);
    expect((await list()).status).toBe(200);
  });

  it('sets list order, cap and broken items through the control API', async () => {
    for (let index = 0; index < 3; index++) orderWithOneSession();
    const settings = { order: 'oldest-first', cap: 2, invalidSessionIds: [1] };
    expect((await control('PUT', 'list-settings', settings)).status).toBe(204);
    const body = (await (await list()).json()) as { items: { id: unknown }[]; total: number };
    expect(body).toMatchObject({ total: 3 });
    expect(body.items.map((item) => item.id)).toEqual(['1', 2]);
    expect((await control('PUT', 'list-settings', { order: 'sideways' })).status).toBe(400);
  });
});
