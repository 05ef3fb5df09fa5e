/**
 * The simulator against the reference client, OneEntry's own SDK: if the SDK reads the
 * simulator the way it reads OneEntry, the simulator speaks OneEntry's language. The project's
 * client must then read the same sessions as the SDK.
 */
import { defineOneEntry } from 'oneentry';
import { SinglePaymentSessionSchema } from 'oneentry/dist/payments/paymentsSchemas';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PaymentSession } from '../../functions/core/model';
import { OneEntryClient } from '../../functions/core/oneentry/client';
import {
  SIMULATOR_PROVIDER_MARKER,
  type SimSession,
  type Simulator,
  startSimulator,
} from '../../infra/simulator/simulator';

let sim: Simulator;

beforeEach(async () => {
  sim = await startSimulator();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await sim.close();
});

/**
 * An SDK logged in as a fresh user. The SDK takes no access token: its first call is refused
 * and it refreshes, as a service holding only a stored refresh token would.
 */
function sdkLoggedIn(options: { validate?: boolean } = {}) {
  const savedRefreshTokens: string[] = [];
  const { refreshToken } = sim.issueTokens();
  const sdk = defineOneEntry(sim.url, {
    token: sim.appToken,
    auth: {
      refreshToken,
      providerMarker: SIMULATOR_PROVIDER_MARKER,
      saveFunction: (rotated) => savedRefreshTokens.push(rotated),
    },
    // Throw error bodies instead of returning them, so a failure cannot pass as a result.
    errors: { isShell: false },
    validation: { enabled: options.validate ?? false, strictMode: true, logErrors: false },
  });
  return { sdk, loginRefreshToken: refreshToken, savedRefreshTokens };
}

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** The SDK's session reduced to what the project keeps: no clientSecret, no unknown fields. */
function asPaymentSession(session: Record<string, unknown>): PaymentSession {
  const { id, orderId, status, type, paymentAccountId, paymentUrl, amount } = session;
  const { createdDate, updatedDate } = session;
  return {
    id,
    orderId,
    status,
    type,
    paymentAccountId,
    paymentUrl,
    amount: amount ?? null,
    createdDate,
    updatedDate,
  } as PaymentSession;
}

function refreshWith(refreshToken: string): Promise<Response> {
  return fetch(
    `${sim.url}/api/content/users-auth-providers/marker/${SIMULATOR_PROVIDER_MARKER}/users/refresh`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-app-token': sim.appToken },
      body: JSON.stringify({ refreshToken }),
    },
  );
}

describe('the OneEntry SDK against the simulator', () => {
  it('reads the one session of an order', async () => {
    const orderId = sim.createOrder();
    const session = sim.createSession(orderId, { amount: 30, paymentUrl: 'https://pay.test/1' });
    const { sdk } = sdkLoggedIn();
    expect(await sdk.Payments.getSessionByOrderId(orderId)).toEqual([session]);
  });

  it('reads every session of an order with several', async () => {
    const orderId = sim.createOrder();
    const sessions: SimSession[] = [
      sim.createSession(orderId, { status: 'cancelled' }),
      sim.createSession(orderId, { type: 'intent', amount: 12 }),
    ];
    const { sdk } = sdkLoggedIn();
    expect(await sdk.Payments.getSessionByOrderId(orderId)).toEqual(sessions);
  });

  it("reads the newest session as one object from an order shaped 'object'", async () => {
    const orderId = sim.createOrder(undefined, { responseShape: 'object' });
    sim.createSession(orderId);
    const newest = sim.createSession(orderId, { status: 'completed' });
    const { sdk } = sdkLoggedIn();
    expect(await sdk.Payments.getSessionByOrderId(orderId)).toEqual(newest);
  });

  it("serves answers that pass the SDK's own response schema, in both shapes", async () => {
    const arrayOrder = sim.createOrder();
    sim.createSession(arrayOrder);
    sim.createSession(arrayOrder);
    const objectOrder = sim.createOrder(undefined, { responseShape: 'object' });
    sim.createSession(objectOrder, { amount: 99.5, paymentUrl: 'https://pay.test/2' });
    const { sdk } = sdkLoggedIn({ validate: true });

    for (const orderId of [arrayOrder, objectOrder]) {
      // In strict mode the SDK answers a schema mismatch with a 422 error object.
      const result = await sdk.Payments.getSessionByOrderId(orderId);
      expect(result).not.toHaveProperty('statusCode');
      const raw = await fetch(`${sim.url}/api/content/payments/sessions/order/${orderId}`, {
        headers: {
          'x-app-token': sim.appToken,
          authorization: `Bearer ${sim.issueTokens().accessToken}`,
        },
      });
      expect(SinglePaymentSessionSchema.safeParse(await raw.json()).success).toBe(true);
    }
  });

  it('throws the OneEntry error body for an order without sessions', async () => {
    const { sdk } = sdkLoggedIn();
    // The SDK returns whatever its retry after a refresh answers, error or not, without
    // throwing: log it in first, so the call under test is not that retry.
    const warmUpOrder = sim.createOrder();
    sim.createSession(warmUpOrder);
    await sdk.Payments.getSessionByOrderId(warmUpOrder);
    await expect(sdk.Payments.getSessionByOrderId(424242)).rejects.toMatchObject({
      statusCode: 404,
      pageData: null,
      message: expect.any(String),
    });
  });

  it('refreshes after expireAccessTokens() and saves the rotated refresh token', async () => {
    const orderId = sim.createOrder();
    const session = sim.createSession(orderId);
    const { sdk, loginRefreshToken, savedRefreshTokens } = sdkLoggedIn();
    await sdk.Payments.getSessionByOrderId(orderId);
    expect(savedRefreshTokens).toHaveLength(1);

    sim.expireAccessTokens();
    sim.resetStats();
    expect(await sdk.Payments.getSessionByOrderId(orderId)).toEqual([session]);
    expect(sim.stats()).toMatchObject({ sessionRequests: 2, refreshes: 1, unauthorized: 1 });

    expect(savedRefreshTokens).toHaveLength(2);
    const [firstRotation, secondRotation] = savedRefreshTokens as [string, string];
    expect(secondRotation).not.toBe(firstRotation);
    // Only the token handed to saveFunction last is still good.
    expect((await refreshWith(loginRefreshToken)).status).toBe(401);
    expect((await refreshWith(firstRotation)).status).toBe(401);
    expect((await refreshWith(secondRotation)).status).toBe(200);
  });

  it('reaches no host but the simulator, and opens no web socket', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const orderId = sim.createOrder();
    sim.createSession(orderId);
    const { sdk } = sdkLoggedIn();
    await sdk.Payments.getSessionByOrderId(orderId);
    sim.expireAccessTokens();
    await sdk.Payments.getSessionByOrderId(orderId);

    const urls = fetchSpy.mock.calls.map(([input]) =>
      String(input instanceof Request ? input.url : input),
    );
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url.startsWith(`${sim.url}/api/content/`)).toBe(true);
  });
});

describe("the project's OneEntryClient and the SDK", () => {
  function projectClient(): OneEntryClient {
    const { accessToken, refreshToken } = sim.issueTokens();
    return new OneEntryClient({
      baseUrl: sim.url,
      appToken: sim.appToken,
      accessToken,
      refreshToken,
    });
  }

  async function readByBoth(orderId: number) {
    const { sdk } = sdkLoggedIn();
    const fromSdk = asList(await sdk.Payments.getSessionByOrderId(orderId)) as unknown as Record<
      string,
      unknown
    >[];
    const fromClient = await projectClient().getSessionsByOrderId(orderId);
    return { fromSdk: fromSdk.map(asPaymentSession), fromClient };
  }

  it('read the same session of an order with one', async () => {
    const orderId = sim.createOrder();
    sim.createSession(orderId, { amount: 10, paymentUrl: 'https://pay.test/3' });
    const { fromSdk, fromClient } = await readByBoth(orderId);
    expect(fromClient).toHaveLength(1);
    expect(fromClient).toStrictEqual(fromSdk);
  });

  it('read the same sessions of an order with several', async () => {
    const orderId = sim.createOrder();
    sim.createSession(orderId, { status: 'cancelled' });
    const retried = sim.createSession(orderId);
    sim.setStatus(retried.id, 'completed');
    const { fromSdk, fromClient } = await readByBoth(orderId);
    expect(fromClient).toHaveLength(2);
    expect(fromClient).toStrictEqual(fromSdk);
  });

  it("read the same newest session from an order shaped 'object'", async () => {
    const orderId = sim.createOrder(undefined, { responseShape: 'object' });
    sim.createSession(orderId);
    sim.createSession(orderId, { type: 'intent' });
    const { fromSdk, fromClient } = await readByBoth(orderId);
    expect(fromClient).toHaveLength(1);
    expect(fromClient).toStrictEqual(fromSdk);
  });

  it('the client drops clientSecret and unknown fields itself', async () => {
    const orderId = sim.createOrder();
    sim.createSession(orderId);
    const [session] = await projectClient().getSessionsByOrderId(orderId);
    expect(session).toBeDefined();
    expect(session).not.toHaveProperty('clientSecret');
    expect(session).not.toHaveProperty('locale');
  });
});
