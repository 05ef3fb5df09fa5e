/**
 * Stopping an order's tracking by hand, against DynamoDB Local: the entry and the state it
 * leaves, idempotence, refusals, and the races with the poller and with a second stop, each
 * lost on purpose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toEventDetail } from '../../functions/core/events/records';
import { AuditQueries } from '../../functions/core/history/audit';
import { OrderNotFoundError } from '../../functions/core/history/errors';
import { LeaseStore } from '../../functions/core/lease';
import type { OrderState, PaymentSession } from '../../functions/core/model';
import { SessionStore, type UntrackRequest } from '../../functions/core/store';
import { Tracker } from '../../functions/core/tracker';
import { OrderNotTrackedError, untrackOrder } from '../../functions/core/untrack';
import { createTestTable, type TestTable } from '../support/dynamo';
import { paymentSession, statuses } from '../support/payment-sessions';

let table: TestTable;
let store: SessionStore;

beforeAll(async () => {
  table = await createTestTable('untrack');
  store = new SessionStore({ client: table.client, tableName: table.tableName });
});
afterAll(() => table.drop());

let nextOrderId = 5000;
const at = (minute: number) => new Date(Date.UTC(2026, 10, 27, 9, minute));

/** A tracked order with session 1 recorded as `status` (and session 2 `completed` if asked). */
async function trackedOrder(status = 'waiting', withResolved = false): Promise<OrderState> {
  const orderId = nextOrderId++;
  const { order } = await store.trackOrder(orderId, at(0));
  const sessions = [
    paymentSession(orderId, orderId * 10 + 1, status),
    ...(withResolved ? [paymentSession(orderId, orderId * 10 + 2, 'completed')] : []),
  ];
  await store.recordObservation(order, sessions, statuses, at(1));
  const recorded = await store.getOrder(orderId);
  if (!recorded) throw new Error('order vanished');
  return recorded;
}

async function trackedIds(): Promise<number[]> {
  const ids: number[] = [];
  for await (const order of store.listTracked()) ids.push(order.orderId);
  return ids;
}

const historyOf = async (orderId: number) => (await store.readOrder(orderId))?.history ?? [];

describe('untrackOrder', () => {
  it('ends tracking with an untracked entry naming why, who and the sessions still pending', async () => {
    const order = await trackedOrder('waiting', true);
    const result = await untrackOrder(
      store,
      order.orderId,
      { reason: 'typo in the order id', requestedBy: 'arn:aws:iam::123456789012:user/ops' },
      () => at(5),
    );
    expect(result.stopped).toBe(true);
    expect(result.order.state).toBe('untracked');
    const last = result.order.history.at(-1);
    expect(last).toEqual({
      observedAt: at(5).toISOString(),
      sessionId: null,
      kind: 'untracked',
      previousStatus: null,
      status: null,
      resolved: false,
      seq: order.version + 1,
      eventId: `pss-${order.orderId}-untracked-${order.version + 1}`,
      pendingSessionIds: [order.orderId * 10 + 1],
      reason: 'typo in the order id',
      requestedBy: 'arn:aws:iam::123456789012:user/ops',
    });
    expect(await trackedIds()).not.toContain(order.orderId);
  });

  it('publishes the entry as "Payment Session Tracking Stopped"-shaped detail', async () => {
    const order = await trackedOrder();
    await untrackOrder(store, order.orderId, { reason: 'test order' }, () => at(6));
    const entry = (await historyOf(order.orderId)).at(-1);
    expect(toEventDetail(entry!)).toEqual({
      schemaVersion: 1,
      eventId: entry?.eventId,
      orderId: order.orderId,
      seq: entry?.seq,
      observedAt: at(6).toISOString(),
      kind: 'untracked',
      sessionId: null,
      previousStatus: null,
      status: null,
      resolved: false,
      pendingSessionIds: [order.orderId * 10 + 1],
      reason: 'test order',
    });
  });

  it('lists the order under state=untracked and the entry under kind=untracked', async () => {
    const order = await trackedOrder();
    await untrackOrder(store, order.orderId, {}, () => at(7));
    const audit = new AuditQueries({
      client: table.client,
      tableName: table.tableName,
      now: () => at(30),
    });
    const untracked = await audit.orders({ state: 'untracked', changedAfter: at(0) });
    expect(untracked.items.map((item) => item.orderId)).toContain(order.orderId);
    const tracking = await audit.orders({ state: 'tracking', changedAfter: at(0) });
    expect(tracking.items.map((item) => item.orderId)).not.toContain(order.orderId);
    const stopped = await audit.transitions({ from: at(0), kinds: ['untracked'] });
    expect(stopped.items).toContainEqual(
      expect.objectContaining({ orderId: order.orderId, kind: 'untracked' }),
    );
  });

  it('is idempotent: a second stop answers the same order and writes nothing', async () => {
    const order = await trackedOrder();
    const first = await untrackOrder(store, order.orderId, { reason: 'first' }, () => at(8));
    const items = await table.scanAll();
    const second = await untrackOrder(store, order.orderId, { reason: 'second' }, () => at(9));
    expect(second).toEqual({ stopped: false, order: first.order });
    expect(await table.scanAll()).toEqual(items);
  });

  it('refuses an unknown order, and orders that resolved or expired on their own', async () => {
    await expect(untrackOrder(store, 999_999)).rejects.toBeInstanceOf(OrderNotFoundError);
    const resolved = await trackedOrder('completed');
    expect(resolved.state).toBe('resolved');
    await expect(untrackOrder(store, resolved.orderId)).rejects.toMatchObject({
      name: 'OrderNotTrackedError',
      state: 'resolved',
    });
    const expiring = await trackedOrder();
    await store.expireOrder(expiring, statuses, at(10));
    const refusal = untrackOrder(store, expiring.orderId);
    await expect(refusal).rejects.toBeInstanceOf(OrderNotTrackedError);
    await expect(refusal).rejects.toMatchObject({ state: 'expired' });
    expect((await historyOf(expiring.orderId)).map((entry) => entry.kind)).toEqual([
      'observed',
      'expired',
    ]);
  });

  it('lets a new announcement track the order again, and the poller record again', async () => {
    const order = await trackedOrder();
    await untrackOrder(store, order.orderId, {}, () => at(11));
    const again = await store.trackOrder(order.orderId, at(12));
    expect(again).toMatchObject({ started: true, order: { state: 'tracking' } });
    expect(await trackedIds()).toContain(order.orderId);
    await store.recordObservation(
      again.order,
      [paymentSession(order.orderId, order.orderId * 10 + 1, 'completed')],
      statuses,
      at(13),
    );
    expect((await historyOf(order.orderId)).map((entry) => entry.kind)).toEqual([
      'observed',
      'untracked',
      'resolved',
    ]);
  });
});

describe('untrackOrder racing the poller', () => {
  it('a stop that loses to a poll re-reads and stops after the poll’s transition', async () => {
    const order = await trackedOrder();
    let polled = false;
    // The poll lands between the stop's read and its write.
    const racing = {
      getOrder: (orderId: number) => store.getOrder(orderId),
      readOrder: (orderId: number) => store.readOrder(orderId),
      async untrackOrder(read: OrderState, request?: UntrackRequest, observedAt?: Date) {
        if (!polled) {
          polled = true;
          await store.recordObservation(
            read,
            [paymentSession(read.orderId, read.orderId * 10 + 1, 'processing')],
            statuses,
            at(14),
          );
        }
        return store.untrackOrder(read, request, observedAt);
      },
    };
    const result = await untrackOrder(racing, order.orderId, {}, () => at(15));
    expect(result.stopped).toBe(true);
    expect(result.order.history.map((entry) => [entry.kind, entry.status])).toEqual([
      ['observed', 'waiting'],
      ['changed', 'processing'],
      ['untracked', null],
    ]);
    expect(result.order.history.at(-1)?.seq).toBe(order.version + 2);
  });

  it('a poll that loses to a stop records nothing after it', async () => {
    const order = await trackedOrder();
    // OneEntry answers the poll while the stop commits.
    const source = {
      async getSessionsByOrderId(orderId: number): Promise<PaymentSession[]> {
        await untrackOrder(store, orderId, {}, () => at(16));
        return [paymentSession(orderId, orderId * 10 + 1, 'completed')];
      },
    };
    const tracker = new Tracker({
      store,
      leases: new LeaseStore(table.client, table.tableName),
      source,
      statuses,
      now: () => at(17).getTime(),
    });
    const result = await tracker.checkOrder(order);
    expect(result).toMatchObject({ outcome: 'unchanged', tracking: false, transitions: [] });
    const record = await store.readOrder(order.orderId);
    expect(record?.order.state).toBe('untracked');
    expect(record?.history.map((entry) => entry.kind)).toEqual(['observed', 'untracked']);
    expect(await trackedIds()).not.toContain(order.orderId);
  });
});

describe('untrackOrder racing another stop', () => {
  it('the stop that loses answers the winner’s result and writes no second entry', async () => {
    const order = await trackedOrder();
    let winner: Awaited<ReturnType<typeof untrackOrder>> | undefined;
    const racing = {
      getOrder: (orderId: number) => store.getOrder(orderId),
      readOrder: (orderId: number) => store.readOrder(orderId),
      async untrackOrder(read: OrderState, request?: UntrackRequest, observedAt?: Date) {
        // The other stop reads and commits between this one's read and write.
        winner ??= await untrackOrder(store, read.orderId, { reason: 'winner' }, () => at(18));
        return store.untrackOrder(read, request, observedAt);
      },
    };
    const loser = await untrackOrder(racing, order.orderId, { reason: 'loser' });
    expect(winner?.stopped).toBe(true);
    expect(loser).toEqual({ stopped: false, order: winner?.order });
    const stops = (await historyOf(order.orderId)).filter((entry) => entry.kind === 'untracked');
    expect(stops).toHaveLength(1);
    expect(stops[0]?.reason).toBe('winner');
  });

  it('eight stops at once: exactly one stops, all answer the same order', async () => {
    const order = await trackedOrder();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        untrackOrder(store, order.orderId, { reason: `stop ${index}` }),
      ),
    );
    expect(results.filter((result) => result.stopped)).toHaveLength(1);
    const [first, ...others] = results.map((result) => result.order);
    for (const other of others) expect(other).toEqual(first);
    expect(first?.history.filter((entry) => entry.kind === 'untracked')).toHaveLength(1);
  });
});
