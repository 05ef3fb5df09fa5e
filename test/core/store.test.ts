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

  it('keeps exactly one history entry per change when 8 recorders race over 200 changes', async () => {
    const orderId = newOrderId();
    const steps = Array.from({ length: 200 }, (_, index) => `step-${index + 1}`);
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
    expect(history).toHaveLength(201);
    expect(history.map((entry) => entry.seq)).toEqual(
      Array.from({ length: 201 }, (_, index) => index + 1),
    );
    expect(history.map((entry) => entry.status)).toEqual(['waiting', ...steps]);
    expect(new Set(history.map((entry) => entry.eventId)).size).toBe(201);
  }, 120_000);
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
