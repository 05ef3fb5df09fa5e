import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OneEntryClient, type OneEntryClientOptions } from '../../functions/core/oneentry/client';
import {
  OneEntryAuthError,
  OneEntryHttpError,
  OneEntryInvalidPayloadError,
  OneEntryTimeoutError,
} from '../../functions/core/oneentry/errors';
import { deadlineIn } from '../../functions/core/tracker';
import { type Simulator, startSimulator } from '../../infra/simulator/simulator';
import { clientWith, newTestDeviceId, seedFor, sharedAuth } from '../support/auth';
import { createTestTable } from '../support/dynamo';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
afterEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

/** Fast backoff so retry paths run in milliseconds; the delays themselves are tested apart. */
function client(overrides: Partial<OneEntryClientOptions> = {}): OneEntryClient {
  const { accessToken } = sim.issueTokens();
  return new OneEntryClient({
    baseUrl: sim.url,
    appToken: sim.appToken,
    accessToken,
    baseDelayMs: 1,
    maxDelayMs: 5,
    timeoutMs: 1000,
    ...overrides,
  });
}

function orderWith(...statuses: string[]): number {
  const orderId = sim.createOrder();
  for (const status of statuses) sim.createSession(orderId, { status, amount: 10 });
  return orderId;
}

describe('OneEntryClient reads sessions', () => {
  it('reads an array of sessions, each kept apart by id', async () => {
    const orderId = orderWith('waiting', 'completed');
    const sessions = await client().getSessionsByOrderId(orderId);
    expect(sessions.map((session) => session.status)).toEqual(['waiting', 'completed']);
    expect(new Set(sessions.map((session) => session.id)).size).toBe(2);
  });

  it('reads a single session object as a list of one', async () => {
    const orderId = orderWith('waiting');
    sim.setResponseShape(orderId, 'object');
    const sessions = await client().getSessionsByOrderId(orderId);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ orderId, status: 'waiting', amount: 10 });
  });

  it('drops clientSecret and unknown fields at the boundary', async () => {
    const orderId = orderWith('waiting');
    const [first] = await client().getSessionsByOrderId(orderId);
    expect(Object.keys(first ?? {}).sort()).toEqual(
      [
        'amount',
        'createdDate',
        'id',
        'orderId',
        'paymentAccountId',
        'paymentUrl',
        'status',
        'type',
        'updatedDate',
      ].sort(),
    );
    expect(JSON.stringify(first)).not.toContain('secret');
  });

  it('reads an order with no session yet as an empty list, not an error', async () => {
    expect(await client().getSessionsByOrderId(sim.createOrder())).toEqual([]);
    expect(await client().getSessionsByOrderId(987_654_321)).toEqual([]);
  });

  it('rejects an order id that is not a positive integer before calling out', async () => {
    await expect(client().getSessionsByOrderId(0)).rejects.toBeInstanceOf(RangeError);
    expect(sim.stats().sessionRequests).toBe(0);
  });
});

describe('OneEntryClient retries', () => {
  it.each([500, 502, 503])(
    'retries HTTP %i and succeeds when the upstream recovers',
    async (status) => {
      const orderId = orderWith('waiting');
      sim.setFault(orderId, { status, times: 2 });
      expect(await client().getSessionsByOrderId(orderId)).toHaveLength(1);
      expect(sim.stats().sessionRequestsByOrder[orderId]).toBe(3);
    },
  );

  it('gives up after maxAttempts with a typed HTTP error', async () => {
    const orderId = orderWith('waiting');
    sim.setFault(orderId, { status: 503 });
    const error = await client({ maxAttempts: 3 })
      .getSessionsByOrderId(orderId)
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(OneEntryHttpError);
    expect(error).toMatchObject({ status: 503, retryable: true });
    expect(sim.stats().sessionRequestsByOrder[orderId]).toBe(3);
  });

  it('honours Retry-After on 429', async () => {
    const orderId = orderWith('waiting');
    sim.setFault(orderId, { status: 429, retryAfterSeconds: 1, times: 1 });
    const started = performance.now();
    expect(await client().getSessionsByOrderId(orderId)).toHaveLength(1);
    // Without Retry-After the backoff here is at most 5 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('fails at once when Retry-After asks for longer than it may wait', async () => {
    const orderId = orderWith('waiting');
    sim.setFault(orderId, { status: 429, retryAfterSeconds: 120 });
    await expect(
      client({ maxRetryAfterMs: 10_000 }).getSessionsByOrderId(orderId),
    ).rejects.toMatchObject({
      status: 429,
    });
    expect(sim.stats().sessionRequestsByOrder[orderId]).toBe(1);
  });

  it('times out a request that gets no answer and retries it', async () => {
    const orderId = orderWith('waiting');
    sim.setFault(orderId, { hang: true, times: 1 });
    expect(await client({ timeoutMs: 200 }).getSessionsByOrderId(orderId)).toHaveLength(1);
    expect(sim.stats().sessionRequestsByOrder[orderId]).toBe(2);
  });

  it('reports a timeout as a typed error when every attempt hangs', async () => {
    const orderId = orderWith('waiting');
    sim.setFault(orderId, { hang: true });
    await expect(
      client({ timeoutMs: 100, maxAttempts: 2 }).getSessionsByOrderId(orderId),
    ).rejects.toBeInstanceOf(OneEntryTimeoutError);
  });

  it('stops at the caller deadline, retries included', async () => {
    const orderId = orderWith('waiting');
    sim.setFault(orderId, { hang: true });
    const started = performance.now();
    await expect(
      client({ timeoutMs: 5000 }).getSessionsByOrderId(orderId, {
        signal: AbortSignal.timeout(150),
      }),
    ).rejects.toBeInstanceOf(OneEntryTimeoutError);
    expect(performance.now() - started).toBeLessThan(4000);
  });

  it('fails at once when Retry-After is longer than the time left before the caller deadline', async () => {
    const orderId = orderWith('waiting');
    sim.setFault(orderId, { status: 503, retryAfterSeconds: 3 });
    const deadline = deadlineIn(1500);
    const started = performance.now();
    await expect(client().getSessionsByOrderId(orderId, deadline)).rejects.toMatchObject({
      status: 503,
    });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(deadline.signal.aborted).toBe(false);
    expect(sim.stats().sessionRequestsByOrder[orderId]).toBe(1);
  });

  it('stops a backoff sleep at the caller deadline', async () => {
    const orderId = orderWith('waiting');
    sim.setFault(orderId, { status: 503 });
    const started = performance.now();
    await expect(
      client({ baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 1 }).getSessionsByOrderId(
        orderId,
        { signal: AbortSignal.timeout(200) },
      ),
    ).rejects.toBeInstanceOf(OneEntryTimeoutError);
    expect(performance.now() - started).toBeLessThan(4000);
    expect(sim.stats().sessionRequestsByOrder[orderId]).toBe(1);
  });

  it.each([400, 403, 422])('does not retry HTTP %i', async (status) => {
    const orderId = orderWith('waiting');
    sim.setFault(orderId, { status });
    await expect(client().getSessionsByOrderId(orderId)).rejects.toMatchObject({
      status,
      retryable: false,
    });
    expect(sim.stats().sessionRequestsByOrder[orderId]).toBe(1);
  });

  it('does not retry malformed JSON and says it is an invalid payload', async () => {
    const orderId = orderWith('waiting');
    sim.setFault(orderId, { malformed: true });
    await expect(client().getSessionsByOrderId(orderId)).rejects.toBeInstanceOf(
      OneEntryInvalidPayloadError,
    );
    expect(sim.stats().sessionRequestsByOrder[orderId]).toBe(1);
  });

  it.each(['foreign-object', 'string-id'] as const)(
    'refuses wrong-shaped JSON (%s)',
    async (wrongShape) => {
      const orderId = orderWith('waiting');
      sim.setFault(orderId, { wrongShape });
      await expect(client().getSessionsByOrderId(orderId)).rejects.toBeInstanceOf(
        OneEntryInvalidPayloadError,
      );
    },
  );
});

describe('OneEntryClient authorization', () => {
  it('renews a refused access token once through its auth and retries the call', async () => {
    const table = await createTestTable('client-auth');
    try {
      const deviceId = newTestDeviceId();
      const oneEntry = clientWith(
        sim,
        sharedAuth(sim, table, { seed: seedFor(sim, deviceId), deviceId }),
      );
      const orders = Array.from({ length: 12 }, () => orderWith('waiting'));
      sim.expireAccessTokens();
      const results = await Promise.all(
        orders.map((orderId) => oneEntry.getSessionsByOrderId(orderId)),
      );
      expect(results.every((sessions) => sessions.length === 1)).toBe(true);
      expect(sim.stats().refreshes).toBe(1);
    } finally {
      await table.drop();
    }
  });

  it('fails with an auth error when a fixed token is refused', async () => {
    const oneEntry = client();
    sim.expireAccessTokens();
    await expect(oneEntry.getSessionsByOrderId(orderWith('waiting'))).rejects.toBeInstanceOf(
      OneEntryAuthError,
    );
  });

  it('fails with an auth error when the app token is wrong, without retrying', async () => {
    const oneEntry = client({ appToken: 'not-the-app-token' });
    await expect(oneEntry.getSessionsByOrderId(orderWith('waiting'))).rejects.toBeInstanceOf(
      OneEntryAuthError,
    );
    expect(sim.stats().refreshes).toBe(0);
  });
});
