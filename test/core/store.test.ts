import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusModel } from '../../functions/core/status';
import { SessionStore, StaleOrderError } from '../../functions/core/store';
import { createTestTable, type TestTable } from '../support/dynamo';
import { session } from '../support/fixtures';

let table: TestTable;
let store: SessionStore;
const statuses = new StatusModel(['waiting']);

beforeAll(async () => {
  table = await createTestTable('store');
  store = new SessionStore({ client: table.client, tableName: table.tableName });
});
afterAll(() => table.drop());

let nextOrderId = 100;
const newOrderId = () => nextOrderId++;

describe('SessionStore.trackOrder', () => {
  it('starts tracking once and leaves an order already tracked as it is', async () => {
    const orderId = newOrderId();
    const first = await store.trackOrder(orderId, new Date('2026-11-26T10:00:00Z'));
    const second = await store.trackOrder(orderId, new Date('2026-11-26T10:05:00Z'));
    expect(first.started).toBe(true);
    expect(second.started).toBe(false);
    expect(second.order).toMatchObject({
      orderId,
      state: 'tracking',
      trackedSince: '2026-11-26T10:00:00.000Z',
    });
  });

  it('puts a tracked order in the due index and takes a resolved one out', async () => {
    const orderId = newOrderId();
    const { order } = await store.trackOrder(orderId);
    const listed = async () => {
      const ids: number[] = [];
      for await (const tracked of store.listTracked()) ids.push(tracked.orderId);
      return ids;
    };
    expect(await listed()).toContain(orderId);
    await store.recordObservation(order, [session({ orderId, status: 'completed' })], statuses);
    expect(await listed()).not.toContain(orderId);
  });
});

describe('SessionStore.recordObservation', () => {
  it('records the first observation of a session as history with no previous status', async () => {
    const orderId = newOrderId();
    const { order } = await store.trackOrder(orderId);
    const result = await store.recordObservation(order, [session({ orderId })], statuses);
    expect(result.written).toBe(true);
    const record = await store.readOrder(orderId);
    expect(record?.history).toMatchObject([
      { kind: 'observed', previousStatus: null, status: 'waiting' },
    ]);
  });

  it('writes nothing at all for an unchanged status', async () => {
    const orderId = newOrderId();
    const { order } = await store.trackOrder(orderId);
    const seen = session({ orderId });
    await store.recordObservation(order, [seen], statuses);
    const before = await table.scanAll();
    const current = await store.getOrder(orderId);
    const result = await store.recordObservation(current!, [seen], statuses);
    expect(result.written).toBe(false);
    expect(await table.scanAll()).toEqual(before);
  });

  it('updates the session and appends history in one step, and resolves the order', async () => {
    const orderId = newOrderId();
    const { order } = await store.trackOrder(orderId);
    const seen = session({ orderId });
    await store.recordObservation(order, [seen], statuses);
    const current = await store.getOrder(orderId);
    await store.recordObservation(current!, [{ ...seen, status: 'completed' }], statuses);
    const record = await store.readOrder(orderId);
    expect(record?.order.state).toBe('resolved');
    expect(record?.order.sessions[String(seen.id)]).toMatchObject({
      status: 'completed',
      seq: 2,
      resolved: true,
    });
    expect(
      record?.history.map((entry) => [entry.kind, entry.previousStatus, entry.status]),
    ).toEqual([
      ['observed', null, 'waiting'],
      ['resolved', 'waiting', 'completed'],
    ]);
  });

  it('refuses a write based on a stale read and leaves nothing half-written', async () => {
    const orderId = newOrderId();
    const { order } = await store.trackOrder(orderId);
    const seen = session({ orderId });
    await store.recordObservation(order, [seen], statuses);
    const before = await table.scanAll();
    await expect(
      store.recordObservation(order, [{ ...seen, status: 'completed' }], statuses),
    ).rejects.toBeInstanceOf(StaleOrderError);
    expect(await table.scanAll()).toEqual(before);
  });

  it('keeps exactly one history entry per change when 8 recorders race over 20 changes', async () => {
    const orderId = newOrderId();
    const steps = Array.from({ length: 20 }, (_, index) => `step-${index + 1}`);
    const raceStatuses = new StatusModel(['waiting', ...steps]);
    await store.trackOrder(orderId);
    const seen = session({ orderId });
    let conflicts = 0;
    for (const status of ['waiting', ...steps]) {
      const upstream = { ...seen, status };
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (;;) {
            const current = await store.getOrder(orderId);
            try {
              await store.recordObservation(current!, [upstream], raceStatuses);
              return;
            } catch (error) {
              if (!(error instanceof StaleOrderError)) throw error;
              conflicts++;
            }
          }
        }),
      );
    }
    const record = await store.readOrder(orderId);
    const history = record?.history ?? [];
    expect(conflicts).toBeGreaterThan(0); // the recorders really did race
    expect(history).toHaveLength(21);
    expect(history.map((entry) => entry.seq)).toEqual(
      Array.from({ length: 21 }, (_, index) => index + 1),
    );
    expect(history.map((entry) => entry.status)).toEqual(['waiting', ...steps]);
    expect(new Set(history.map((entry) => entry.eventId)).size).toBe(21);
  }, 120_000);
});

describe('SessionStore.recordObservation, each branch of the update', () => {
  const moving = new StatusModel(['waiting', 'processing']);
  const listed = async () => {
    const ids: number[] = [];
    for await (const tracked of store.listTracked()) ids.push(tracked.orderId);
    return ids;
  };
  async function recordedOrder(status: string) {
    const orderId = newOrderId();
    const { order } = await store.trackOrder(orderId);
    const seen = session({ orderId, status, updatedDate: '2026-11-26T10:00:00.000Z' });
    await store.recordObservation(order, [seen], moving);
    return { orderId, seen, order: (await store.getOrder(orderId))! };
  }

  it('changed, still tracking: the session and one history entry', async () => {
    const { orderId, seen, order } = await recordedOrder('waiting');
    const result = await store.recordObservation(
      order,
      [{ ...seen, status: 'processing', updatedDate: '2026-11-26T10:01:00.000Z' }],
      moving,
    );
    expect(result).toMatchObject({ written: true, state: 'tracking', stale: 0 });
    const record = await store.readOrder(orderId);
    expect(record?.order).toMatchObject({ state: 'tracking', version: order.version + 1 });
    expect(record?.history.map((entry) => entry.kind)).toEqual(['observed', 'changed']);
    expect(await listed()).toContain(orderId);
  });

  it('ends tracking with no new snapshot: an order announced again after it resolved', async () => {
    const { orderId, seen } = await recordedOrder('completed');
    const { order: again } = await store.trackOrder(orderId); // the shop re-sends the webhook
    expect(again.state).toBe('tracking');
    const result = await store.recordObservation(again, [seen], moving);
    expect(result).toMatchObject({ written: true, transitions: [], state: 'resolved' });
    const record = await store.readOrder(orderId);
    expect(record?.order.state).toBe('resolved');
    expect(record?.history.map((entry) => entry.kind)).toEqual(['resolved']);
    expect(await listed()).not.toContain(orderId);
  });

  it('ends tracking with a new snapshot: the last pending session resolves', async () => {
    const { orderId, seen, order } = await recordedOrder('waiting');
    const result = await store.recordObservation(
      order,
      [{ ...seen, status: 'cancelled', updatedDate: '2026-11-26T10:01:00.000Z' }],
      moving,
    );
    expect(result).toMatchObject({ written: true, state: 'resolved' });
    expect((await store.getOrder(orderId))?.state).toBe('resolved');
    expect(await listed()).not.toContain(orderId);
  });

  it('same status with a newer updatedDate: remembers it, with no history entry', async () => {
    const { orderId, seen, order } = await recordedOrder('waiting');
    const later = { ...seen, updatedDate: '2026-11-26T10:05:00.000Z' };
    const result = await store.recordObservation(order, [later], moving);
    expect(result).toMatchObject({ written: true, transitions: [], state: 'tracking' });
    const record = await store.readOrder(orderId);
    expect(record?.order.sessions[String(seen.id)]?.updatedDate).toBe(later.updatedDate);
    expect(record?.order.lastChangedAt).toBe(order.lastChangedAt);
    expect(record?.history).toHaveLength(1);
  });

  it('a real reopen: recorded as changed and the order is tracked again', async () => {
    const { orderId, seen, order } = await recordedOrder('completed');
    expect(await listed()).not.toContain(orderId);
    const at = new Date(Date.now() + 1000);
    const result = await store.recordObservation(
      order,
      [{ ...seen, status: 'waiting', updatedDate: '2026-11-26T10:09:00.000Z' }],
      moving,
      at,
    );
    expect(result).toMatchObject({ written: true, state: 'tracking' });
    const record = await store.readOrder(orderId);
    expect(record?.order).toMatchObject({ state: 'tracking', trackedSince: at.toISOString() });
    expect(record?.history.at(-1)).toMatchObject({
      kind: 'changed',
      previousStatus: 'completed',
      status: 'waiting',
    });
    expect(await listed()).toContain(orderId);
  });

  it('a stale observation writes nothing and is counted', async () => {
    const { orderId, seen, order } = await recordedOrder('completed');
    const before = await table.scanAll();
    const result = await store.recordObservation(
      order,
      [{ ...seen, status: 'waiting', updatedDate: '2026-11-26T09:59:00.000Z' }],
      moving,
    );
    expect(result).toMatchObject({ written: false, stale: 1, state: 'resolved' });
    expect(await table.scanAll()).toEqual(before);
    expect((await store.getOrder(orderId))?.state).toBe('resolved');
  });
});

describe('SessionStore.expireOrder', () => {
  it('ends tracking with a history entry naming the sessions still pending', async () => {
    const orderId = newOrderId();
    const { order } = await store.trackOrder(orderId);
    const seen = session({ orderId });
    await store.recordObservation(order, [seen], statuses);
    const current = await store.getOrder(orderId);
    const entry = await store.expireOrder(current!, statuses);
    expect(entry).toMatchObject({ kind: 'expired', pendingSessionIds: [seen.id], sessionId: null });
    const record = await store.readOrder(orderId);
    expect(record?.order.state).toBe('expired');
    expect(record?.history.at(-1)?.kind).toBe('expired');
  });

  it('does nothing when the order changed since it was read', async () => {
    const orderId = newOrderId();
    const { order } = await store.trackOrder(orderId);
    await store.recordObservation(order, [session({ orderId })], statuses);
    expect(await store.expireOrder(order, statuses)).toBeUndefined();
    expect((await store.getOrder(orderId))?.state).toBe('tracking');
  });
});
