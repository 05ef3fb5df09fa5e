import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SessionStore } from '../../functions/core/store';
import type { Tracker } from '../../functions/core/tracker';
import { httpApiEvent } from '../support/apigw';
import { type Harness, newOrderId, startHarness } from './harness';
import { newWebhookId, signedHeaders } from './signing';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('webhook-replay');
});
afterAll(() => h.close());

/** The real store, with its `trackOrder` calls counted. */
function countingStore() {
  const trackOrder = vi.fn((...args: Parameters<SessionStore['trackOrder']>) =>
    h.store.trackOrder(...args),
  );
  return { trackOrder };
}

/** An order OneEntry knows, with one waiting session. */
function orderInOneEntry() {
  const orderId = h.sim.createOrder(newOrderId());
  const session = h.sim.createSession(orderId);
  return { orderId, sessionId: session.id };
}

describe('a delivery seen before', () => {
  it('gets the first answer again and causes no second effect', async () => {
    const store = countingStore();
    const invoke = h.handler({ store });
    const { orderId, sessionId } = orderInOneEntry();
    const event = h.signedEvent({ orderId, event: 'session.created' });

    const first = await invoke(event);
    h.sim.setStatus(sessionId, 'completed'); // a second effect would record this
    const second = await invoke(event);

    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.body).toBe(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(store.trackOrder).toHaveBeenCalledTimes(1);
    const record = await h.store.readOrder(orderId);
    expect(record?.history.map((entry) => entry.kind)).toEqual(['observed']);
  });

  it('is recognised by its webhook-id when the sender re-signs a retry', async () => {
    const store = countingStore();
    const invoke = h.handler({ store });
    const body = JSON.stringify({ orderId: newOrderId() });
    const id = newWebhookId();
    const send = (at: Date) =>
      invoke(httpApiEvent({ headers: signedHeaders(h.secret, body, { id, at }), body }));

    const first = await send(new Date(Date.now() - 120_000));
    const retry = await send(new Date());

    expect(retry.statusCode).toBe(202);
    expect(retry.body).toBe(first.body);
    expect(store.trackOrder).toHaveBeenCalledTimes(1);
  });

  it('leaves a completed receipt with the answer and event, and no signature or body', async () => {
    const orderId = newOrderId();
    const body = JSON.stringify({ orderId, event: 'payment.callback', note: 'not stored' });
    const headers = signedHeaders(h.secret, body);
    const answer = await h.invoke(httpApiEvent({ headers, body }));

    const items = await h.table.scanAll();
    const receipt = items.find((item) => item.pk === `WEBHOOK#${headers['webhook-id']}`);
    expect(receipt).toMatchObject({
      sk: 'RECEIPT',
      entity: 'receipt',
      state: 'completed',
      orderId,
      event: 'payment.callback',
      answer: { statusCode: 202, body: answer.body },
      expiresAt: expect.any(Number),
    });
    const hours = ((receipt?.expiresAt as number) - Date.now() / 1000) / 3600;
    expect(hours).toBeGreaterThan(71);
    expect(hours).toBeLessThanOrEqual(72);
    const stored = JSON.stringify(receipt);
    expect(stored).not.toContain(headers['webhook-signature']!.slice(3));
    expect(stored).not.toContain(h.secret.slice(6));
    expect(stored).not.toContain('not stored');
  });

  it('with the same webhook-id but another body is refused with 422 and changes nothing', async () => {
    const id = newWebhookId();
    const first = JSON.stringify({ orderId: newOrderId() });
    const other = JSON.stringify({ orderId: newOrderId() });
    await h.invoke(httpApiEvent({ headers: signedHeaders(h.secret, first, { id }), body: first }));
    const before = await h.table.scanAll();

    const answer = await h.invoke(
      httpApiEvent({ headers: signedHeaders(h.secret, other, { id }), body: other }),
    );

    expect(answer.statusCode).toBe(422);
    expect(answer.json).toMatchObject({ type: 'tag:payment-session-watch,2026:webhook-id-reused' });
    expect(await h.table.scanAll()).toEqual(before);
  });
});

describe('identical deliveries at the same moment', () => {
  /** A tracker whose checks wait at a gate, so a delivery can be held in progress. */
  function gatedTracker() {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let entered: () => void = () => {};
    const waiting = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const tracker: Pick<Tracker, 'checkOrder'> = {
      async checkOrder(...args) {
        entered();
        await gate;
        return h.tracker.checkOrder(...args);
      },
    };
    return { tracker, open, waiting };
  }

  it('answers a duplicate of a delivery in progress with 409 and Retry-After, then replays', async () => {
    const { tracker, open, waiting } = gatedTracker();
    const store = countingStore();
    const invoke = h.handler({ tracker, store, checkBudgetMs: 10_000 });
    const event = h.signedEvent({ orderId: newOrderId() });

    const first = invoke(event);
    await waiting;
    const duplicate = await invoke(event);
    open();
    const settled = await first;
    const later = await invoke(event);

    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json).toMatchObject({
      type: 'tag:payment-session-watch,2026:delivery-in-progress',
      status: 409,
    });
    const retryAfter = Number(duplicate.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(5);
    expect(settled.statusCode).toBe(202);
    expect(later.statusCode).toBe(202);
    expect(later.body).toBe(settled.body);
    expect(store.trackOrder).toHaveBeenCalledTimes(1);
  });

  it('have exactly one effect however many arrive together', async () => {
    const store = countingStore();
    const invoke = h.handler({ store });
    const event = h.signedEvent({ orderId: newOrderId() });

    const answers = await Promise.all(Array.from({ length: 8 }, () => invoke(event)));

    expect(store.trackOrder).toHaveBeenCalledTimes(1);
    const accepted = answers.filter((answer) => answer.statusCode === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(new Set(accepted.map((answer) => answer.body)).size).toBe(1);
    for (const answer of answers) expect([202, 409]).toContain(answer.statusCode);
  });
});

describe('a failure of our own dependencies', () => {
  it('answers 500 without detail, keeps no receipt, and the retry is handled', async () => {
    const orderId = newOrderId();
    const store = {
      trackOrder: vi
        .fn<SessionStore['trackOrder']>()
        .mockRejectedValueOnce(new Error('DynamoDB is unavailable'))
        .mockImplementation((...args) => h.store.trackOrder(...args)),
    };
    const invoke = h.handler({ store });
    const event = h.signedEvent({ orderId });

    const failed = await invoke(event);
    const receiptAfterFailure = await h.receipts.get(event.headers['webhook-id']!);
    const retried = await invoke(event);

    expect(failed.statusCode).toBe(500);
    expect(failed.json).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
    });
    expect(receiptAfterFailure).toBeUndefined();
    expect(retried.statusCode).toBe(202);
    expect((await h.store.getOrder(orderId))?.state).toBe('tracking');
  });

  it('answers 500 when the secrets cannot be read, and writes nothing', async () => {
    const invoke = h.handler({
      secrets: () => Promise.reject(new Error('Secrets Manager is unavailable')),
    });
    const before = await h.table.scanAll();
    const answer = await invoke(h.signedEvent({ orderId: newOrderId() }));
    expect(answer.statusCode).toBe(500);
    expect(await h.table.scanAll()).toEqual(before);
  });
});

describe('a claim whose invocation died', () => {
  it('is taken over once its lease has lapsed', async () => {
    const orderId = newOrderId();
    const event = h.signedEvent({ orderId });
    const bodyHash = createHash('sha256').update(event.body!).digest('hex');
    await h.receipts.claim({
      webhookId: event.headers['webhook-id']!,
      bodyHash,
      orderId,
      now: new Date(Date.now() - 60_000),
      leaseMs: 30_000,
    });

    const answer = await h.invoke(event);

    expect(answer.statusCode).toBe(202);
    expect((await h.store.getOrder(orderId))?.state).toBe('tracking');
  });
});
