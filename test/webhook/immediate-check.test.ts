import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, newOrderId, silentLogger, startHarness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('webhook-check');
});
afterAll(() => h.close());
afterEach(() => h.sim.clearFaults());

describe('the check at delivery', () => {
  it('records a session that already completed before the answer', async () => {
    const orderId = h.sim.createOrder(newOrderId());
    const session = h.sim.createSession(orderId, { status: 'completed' });

    const answer = await h.invoke(h.signedEvent({ orderId, event: 'payment.completed' }));

    expect(answer.statusCode).toBe(202);
    expect(answer.json).toEqual({
      orderId,
      tracking: false,
      checked: true,
      sessions: [{ sessionId: session.id, status: 'completed' }],
    });
    const record = await h.store.readOrder(orderId);
    expect(record?.history).toMatchObject([
      { kind: 'resolved', sessionId: session.id, status: 'completed', previousStatus: null },
    ]);
    expect(record?.order.state).toBe('resolved');
  });

  it('records a waiting session and keeps the order tracked', async () => {
    const orderId = h.sim.createOrder(newOrderId());
    const session = h.sim.createSession(orderId);

    const answer = await h.invoke(h.signedEvent({ orderId }));

    expect(answer.json).toMatchObject({
      checked: true,
      sessions: [{ sessionId: session.id, status: 'waiting' }],
    });
    const record = await h.store.readOrder(orderId);
    expect(record?.order.state).toBe('tracking');
    expect(record?.history.map((entry) => entry.kind)).toEqual(['observed']);
  });

  it('tracks an order that has no session yet', async () => {
    const orderId = newOrderId();
    const answer = await h.invoke(h.signedEvent({ orderId }));
    expect(answer.json).toEqual({ orderId, tracking: true, checked: true, sessions: [] });
    expect((await h.store.getOrder(orderId))?.state).toBe('tracking');
  });

  it('gives up when OneEntry hangs: 202 unchecked within the budget, order still tracked', async () => {
    const budgetMs = 400;
    const invoke = h.handler({ checkBudgetMs: budgetMs });
    const orderId = h.sim.createOrder(newOrderId());
    h.sim.createSession(orderId);
    h.sim.setFault(orderId, { hang: true });

    const startedAt = performance.now();
    const answer = await invoke(h.signedEvent({ orderId }));
    const elapsedMs = performance.now() - startedAt;

    expect(answer.statusCode).toBe(202);
    expect(answer.json).toEqual({ orderId, tracking: true, checked: false, sessions: [] });
    expect(elapsedMs).toBeGreaterThanOrEqual(budgetMs - 10);
    expect(elapsedMs).toBeLessThan(budgetMs + 1500);
    expect((await h.store.getOrder(orderId))?.state).toBe('tracking');
  });

  it('answers the sessions last recorded when OneEntry refuses the check', async () => {
    const orderId = h.sim.createOrder(newOrderId());
    const session = h.sim.createSession(orderId);
    await h.invoke(h.signedEvent({ orderId }));
    h.sim.setStatus(session.id, 'completed');
    h.sim.setFault(orderId, { status: 400 });

    const answer = await h.invoke(h.signedEvent({ orderId, event: 'look.again' }));

    expect(answer.statusCode).toBe(202);
    expect(answer.json).toEqual({
      orderId,
      tracking: true,
      checked: false,
      sessions: [{ sessionId: session.id, status: 'waiting' }],
    });
  });

  it('answers 202 unchecked when the store fails during the check', async () => {
    const orderId = newOrderId();
    const invoke = h.handler({
      tracker: { checkOrder: () => Promise.reject(new Error('DynamoDB throttled the write')) },
    });
    const answer = await invoke(h.signedEvent({ orderId }));
    expect(answer.statusCode).toBe(202);
    expect(answer.json).toMatchObject({ checked: false });
    expect((await h.store.getOrder(orderId))?.state).toBe('tracking');
  });

  it('logs the failure of a check it abandoned, rather than swallowing it', async () => {
    const warnings: unknown[][] = [];
    const logger = silentLogger();
    logger.warn = (...args: unknown[]) => void warnings.push(args);
    let lateFailure: (() => void) | undefined;
    const invoke = h.handler({
      checkBudgetMs: 100,
      logger,
      tracker: {
        checkOrder: (_order, options) =>
          new Promise((_resolve, reject) => {
            options?.signal?.addEventListener('abort', () => {
              lateFailure = () => reject(new Error('DynamoDB refused the late write'));
            });
          }),
      },
    });
    const orderId = newOrderId();
    const answer = await invoke(h.signedEvent({ orderId }));
    expect(answer.json).toMatchObject({ checked: false, tracking: true });
    lateFailure?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([
      [
        'Abandoned webhook check failed',
        { orderId, errorType: 'Error', error: 'DynamoDB refused the late write' },
      ],
    ]);
  });
});
