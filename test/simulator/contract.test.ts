/**
 * The simulator against the reference client, OneEntry's own SDK: if the SDK reads the
 * simulator the way it reads OneEntry, the simulator speaks OneEntry's language. The project's
 * client must then read the same sessions as the SDK.
 */
import { defineOneEntry } from 'oneentry';
import {
  PaymentSessionsResponseSchema,
  SinglePaymentSessionSchema,
} from 'oneentry/dist/payments/paymentsSchemas';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PaymentSession } from '../../functions/core/model';
import { OneEntryClient } from '../../functions/core/oneentry/client';
import {
  SIMULATOR_LOGIN_FIELDS,
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

const USER = { login: 'sdk-user@example.test', password: 'sdk-user-password' };

/** An SDK signed in as a user through `AuthProvider.auth`, the sign-in the watcher uses too. */
async function sdkLoggedIn(options: { validate?: boolean } = {}) {
  const savedRefreshTokens: string[] = [];
  sim.addUser(USER.login, USER.password);
  const sdk = defineOneEntry(sim.url, {
    token: sim.appToken,
    auth: {
      providerMarker: SIMULATOR_PROVIDER_MARKER,
      saveFunction: (rotated) => savedRefreshTokens.push(rotated),
    },
    // Throw error bodies instead of returning them, so a failure cannot pass as a result.
    errors: { isShell: false },
    validation: { enabled: options.validate ?? false, strictMode: true, logErrors: false },
  });
  const signedIn = await sdk.AuthProvider.auth(SIMULATOR_PROVIDER_MARKER, {
    authData: [
      { marker: SIMULATOR_LOGIN_FIELDS.login, value: USER.login },
      { marker: SIMULATOR_LOGIN_FIELDS.password, value: USER.password },
    ],
  });
  return {
    sdk,
    signedIn: signedIn as { accessToken: string; refreshToken: string },
    savedRefreshTokens,
  };
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

function refreshWith(refreshToken: string, fingerprint: string): Promise<Response> {
  return fetch(
    `${sim.url}/api/content/users-auth-providers/marker/${SIMULATOR_PROVIDER_MARKER}/users/refresh`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-app-token': sim.appToken,
        'x-device-metadata': JSON.stringify({ fingerprint }),
      },
      body: JSON.stringify({ refreshToken }),
    },
  );
}

/** The fingerprint the SDK sent on its last auth call. */
function lastFingerprint(spy: { mock: { calls: unknown[][] } }): string {
  for (const [, init] of [...spy.mock.calls].reverse()) {
    const headers = (init as RequestInit | undefined)?.headers as
      | Record<string, string>
      | undefined;
    const metadata = headers?.['x-device-metadata'];
    if (metadata) return (JSON.parse(metadata) as { fingerprint: string }).fingerprint;
  }
  throw new Error('the SDK sent no x-device-metadata');
}

describe('the OneEntry SDK against the simulator', () => {
  it('reads the one session of an order', async () => {
    const orderId = sim.createOrder();
    const session = sim.createSession(orderId, { amount: 30, paymentUrl: 'https://pay.test/1' });
    const { sdk } = await sdkLoggedIn();
    expect(await sdk.Payments.getSessionByOrderId(orderId)).toEqual([session]);
  });

  it('reads every session of an order with several', async () => {
    const orderId = sim.createOrder();
    const sessions: SimSession[] = [
      sim.createSession(orderId, { status: 'cancelled' }),
      sim.createSession(orderId, { type: 'intent', amount: 12 }),
    ];
    const { sdk } = await sdkLoggedIn();
    expect(await sdk.Payments.getSessionByOrderId(orderId)).toEqual(sessions);
  });

  it("reads the newest session as one object from an order shaped 'object'", async () => {
    const orderId = sim.createOrder(undefined, { responseShape: 'object' });
    sim.createSession(orderId);
    const newest = sim.createSession(orderId, { status: 'completed' });
    const { sdk } = await sdkLoggedIn();
    expect(await sdk.Payments.getSessionByOrderId(orderId)).toEqual(newest);
  });

  it("serves answers that pass the SDK's own response schema, in both shapes", async () => {
    const arrayOrder = sim.createOrder();
    sim.createSession(arrayOrder);
    sim.createSession(arrayOrder);
    const objectOrder = sim.createOrder(undefined, { responseShape: 'object' });
    sim.createSession(objectOrder, { amount: 99.5, paymentUrl: 'https://pay.test/2' });
    const { sdk } = await sdkLoggedIn({ validate: true });

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
    const { sdk } = await sdkLoggedIn();
    await expect(sdk.Payments.getSessionByOrderId(424242)).rejects.toMatchObject({
      statusCode: 404,
      pageData: null,
      message: expect.any(String),
    });
  });

  it('signs in, then refreshes from the same device; a spent refresh token is refused', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const { sdk, signedIn, savedRefreshTokens } = await sdkLoggedIn();
    expect(savedRefreshTokens).toEqual([signedIn.refreshToken]);
    const device = lastFingerprint(fetchSpy);
    expect(device).toMatch(/^UQ_/);

    const refreshed = (await sdk.AuthProvider.refresh(
      SIMULATOR_PROVIDER_MARKER,
      signedIn.refreshToken,
    )) as { accessToken: string; refreshToken: string };
    expect(refreshed.refreshToken).not.toBe(signedIn.refreshToken);
    expect(lastFingerprint(fetchSpy)).toBe(device);
    expect(sim.stats()).toMatchObject({ signIns: 1, refreshes: 1 });

    vi.restoreAllMocks();
    expect((await refreshWith(signedIn.refreshToken, device)).status).toBe(401); // spent
    expect(sim.stats().refreshesRefused.spent).toBe(1);
    expect((await refreshWith(refreshed.refreshToken, 'UQ_another-device')).status).toBe(401);
    expect(sim.stats().refreshesRefused['other-device']).toBe(1);
    expect((await refreshWith(refreshed.refreshToken, device)).status).toBe(200);
  });

  it('refreshes after expiry from the Payments module, whose own fingerprint OneEntry refuses', async () => {
    // The SDK invents a device id per module instance: the token AuthProvider got is bound to
    // AuthProvider's fingerprint, and Payments' 401-driven refresh presents another one. This
    // is why the project pins one device for the whole deployment.
    const orderId = sim.createOrder();
    sim.createSession(orderId);
    const { sdk } = await sdkLoggedIn();
    await sdk.Payments.getSessionByOrderId(orderId);
    sim.expireAccessTokens();
    sim.resetStats();
    await expect(sdk.Payments.getSessionByOrderId(orderId)).rejects.toMatchObject({
      statusCode: 401,
    });
    expect(sim.stats().refreshesRefused['other-device']).toBe(1);
  });

  it('reaches no host but the simulator, and opens no web socket', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const orderId = sim.createOrder();
    sim.createSession(orderId);
    const { sdk, signedIn } = await sdkLoggedIn();
    await sdk.Payments.getSessionByOrderId(orderId);
    await sdk.AuthProvider.refresh(SIMULATOR_PROVIDER_MARKER, signedIn.refreshToken);

    const urls = fetchSpy.mock.calls.map(([input]) =>
      String(input instanceof Request ? input.url : input),
    );
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url.startsWith(`${sim.url}/api/content/`)).toBe(true);
  });
});

describe('the sessions list, read by the SDK and by the project', () => {
  it("pages newest first and oldest first, in answers that pass the SDK's schema", async () => {
    for (let index = 0; index < 5; index++) sim.createSession(sim.createOrder());
    const { sdk } = await sdkLoggedIn({ validate: true });
    const ids = (page: unknown) => (page as { items: { id: number }[] }).items.map((s) => s.id);
    const newestFirst = await sdk.Payments.getSessions(0, 3);
    expect(newestFirst).toMatchObject({ total: 5 });
    expect(PaymentSessionsResponseSchema.safeParse(newestFirst).success).toBe(true);
    expect(ids(newestFirst)).toEqual([5, 4, 3]);
    expect(ids(await sdk.Payments.getSessions(3, 3))).toEqual([2, 1]);
    sim.setListSettings({ order: 'oldest-first' });
    expect(ids(await sdk.Payments.getSessions(0, 3))).toEqual([1, 2, 3]);
  });

  it('caps what a restricted group reads while the total counts everything', async () => {
    for (let index = 0; index < 12; index++) sim.createSession(sim.createOrder());
    sim.setListSettings({ cap: 10 });
    const { sdk } = await sdkLoggedIn();
    const first = (await sdk.Payments.getSessions(0, 30)) as { items: unknown[]; total: number };
    expect(first.items).toHaveLength(10);
    expect(first.total).toBe(12);
    const beyond = (await sdk.Payments.getSessions(10, 30)) as { items: unknown[] };
    expect(beyond.items).toEqual([]);
  });

  it("the project's client reads the same sessions as the SDK, and skips a broken item", async () => {
    const orderId = sim.createOrder();
    sim.createSession(orderId, { amount: 5 });
    const broken = sim.createSession(orderId);
    sim.createSession(sim.createOrder(), { status: 'completed' });
    const { sdk } = await sdkLoggedIn();
    const fromSdk = (await sdk.Payments.getSessions(0, 30)) as unknown as {
      items: Record<string, unknown>[];
    };
    const { accessToken } = sim.issueTokens();
    const client = new OneEntryClient({ baseUrl: sim.url, appToken: sim.appToken, accessToken });
    const page = await client.listSessions(0, 30);
    expect(page.sessions).toStrictEqual(fromSdk.items.map(asPaymentSession));
    sim.setListSettings({ invalidSessionIds: [broken.id] });
    expect(await client.listSessions(0, 30)).toMatchObject({ invalid: 1, served: 3, total: 3 });
  });
});

describe("the project's OneEntryClient and the SDK", () => {
  function projectClient(): OneEntryClient {
    const { accessToken } = sim.issueTokens();
    return new OneEntryClient({ baseUrl: sim.url, appToken: sim.appToken, accessToken });
  }

  async function readByBoth(orderId: number) {
    const { sdk } = await sdkLoggedIn();
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
