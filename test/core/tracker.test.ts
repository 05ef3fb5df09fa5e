import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../functions/core/store';
import { type Simulator, startSimulator } from '../../infra/simulator/simulator';
import { createTestTable, type TestTable } from '../support/dynamo';
import { waitFor } from '../support/local-runtime';
import { plentyOfTime, trackerFor } from '../support/tracker';

let sim: Simulator;
let table: TestTable;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(async () => {
  table = await createTestTable('tracker');
});
afterEach(async () => {
  sim.clearFaults();
  sim.resetStats();
  await table.drop();
});

async function trackNew(
  store: ReturnType<typeof trackerFor>['store'],
  count: number,
  status = 'waiting',
) {
  const orders: { orderId: number; sessionId: number }[] = [];
  for (let index = 0; index < count; index++) {
    const orderId = sim.createOrder();
    const session = sim.createSession(orderId, { status });
    await store.trackOrder(orderId);
    orders.push({ orderId, sessionId: session.id });
  }
  return orders;
}

describe('Tracker.runCycle', () => {
  it('records what changed and stops tracking orders whose sessions resolved', async () => {
    const { tracker, store } = trackerFor(table, sim);
    const [paid, open] = await trackNew(store, 2);
    const first = await tracker.runCycle({ owner: 'a', remainingTimeMs: plentyOfTime });
    expect(first).toMatchObject({
      status: 'completed',
      checked: 2,
      changed: 2,
      resolved: 0,
      errors: 0,
    });

    sim.setStatus(paid!.sessionId, 'completed');
    const second = await tracker.runCycle({ owner: 'a', remainingTimeMs: plentyOfTime });
    expect(second).toMatchObject({ checked: 2, changed: 1, unchanged: 1, resolved: 1 });

    const third = await tracker.runCycle({ owner: 'a', remainingTimeMs: plentyOfTime });
    expect(third).toMatchObject({ tracked: 1, checked: 1 });
    expect((await store.readOrder(paid!.orderId))?.history.map((entry) => entry.kind)).toEqual([
      'observed',
      'resolved',
    ]);
    expect((await store.getOrder(open!.orderId))?.state).toBe('tracking');
  });

  it('lets only one of two overlapping cycles work, so no order is checked twice', async () => {
    const { tracker, store } = trackerFor(table, sim);
    await trackNew(store, 20);
    sim.setFault('global', { latencyMs: 20 });
    const [a, b] = await Promise.all([
      tracker.runCycle({ owner: 'a', remainingTimeMs: plentyOfTime }),
      tracker.runCycle({ owner: 'b', remainingTimeMs: plentyOfTime }),
    ]);
    expect([a.status, b.status].sort()).toEqual(['completed', 'lease-held']);
    expect(sim.stats().sessionRequests).toBe(20);
  });

  it('stops starting checks when the time left falls under the margin, and picks them up next cycle', async () => {
    const { tracker, store } = trackerFor(table, sim, { concurrency: 2, timeMarginMs: 10_000 });
    const orders = await trackNew(store, 12);
    let calls = 0;
    // Lease duration first, then plenty for a few checks, then below the margin.
    const shrinking = () => (calls++ < 6 ? 60_000 : 5_000);
    const cut = await tracker.runCycle({ owner: 'a', remainingTimeMs: shrinking });
    expect(cut.status).toBe('time-budget');
    expect(cut.checked).toBeGreaterThan(0);
    expect(cut.checked).toBeLessThan(12);

    const next = await tracker.runCycle({ owner: 'a', remainingTimeMs: plentyOfTime });
    expect(next).toMatchObject({ status: 'completed', checked: 12 });
    for (const { orderId } of orders) {
      expect((await store.readOrder(orderId))?.history).toHaveLength(1);
    }
  });

  it('goes on with a cut-short pass over older orders where it stopped, across partitions, checking each once', async () => {
    // Tracked by a layout of three shards, so spread over three partitions the one poller reads.
    const store = new SessionStore({
      client: table.client,
      tableName: table.tableName,
      pollShards: 3,
    });
    const { tracker } = trackerFor(table, sim, { concurrency: 1 });
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    const orderIds = Array.from({ length: 12 }, () => sim.createOrder());
    for (const orderId of orderIds) {
      sim.createSession(orderId, { status: 'waiting' });
      await store.trackOrder(orderId, twoHoursAgo);
    }
    const statuses: string[] = [];
    for (const limit of [5, 10, 100]) {
      const cycle = await tracker.runCycle({
        owner: 'a',
        remainingTimeMs: () => (sim.stats().sessionRequests < limit ? 60_000 : 0),
      });
      statuses.push(cycle.status);
    }
    expect(statuses).toEqual(['time-budget', 'time-budget', 'completed']);
    const requests = sim.stats().sessionRequestsByOrder;
    expect(orderIds.map((orderId) => requests[orderId])).toEqual(orderIds.map(() => 1));
  });

  it('with the fast lane, checks young orders again every fastPollMs until the next cycle is due, older ones only on their grid', async () => {
    const { tracker, store } = trackerFor(table, sim, {
      fastPollMs: 300,
      cycleIntervalMs: 1_500,
    });
    const [young] = await trackNew(store, 1);
    const oldOrderId = sim.createOrder();
    sim.createSession(oldOrderId, { status: 'waiting' });
    await store.trackOrder(oldOrderId, new Date(Date.now() - 2 * 3_600_000));

    const cycle = tracker.runCycle({ owner: 'a', remainingTimeMs: plentyOfTime });
    await waitFor(() => sim.stats().sessionRequestsByOrder[young!.orderId] === 1, 10_000);
    sim.setStatus(young!.sessionId, 'completed');
    const summary = await cycle;

    // Rounds at 300, 600, 900 and 1200 ms: each ends before the next cycle starts at 1500.
    expect(summary).toMatchObject({ status: 'completed', fastRounds: 4 });
    expect((await store.getOrder(young!.orderId))?.state).toBe('resolved');
    const requests = sim.stats().sessionRequestsByOrder;
    expect(requests[young!.orderId]).toBeGreaterThanOrEqual(2); // the change, seen by a fast round
    expect(requests[oldOrderId]).toBe(1);
  });

  it('stops the cycle early when most upstream calls fail', async () => {
    const { tracker, store } = trackerFor(table, sim, { concurrency: 4, circuitMinCalls: 10 });
    await trackNew(store, 60);
    sim.setFault('global', { status: 503 });
    const summary = await tracker.runCycle({ owner: 'a', remainingTimeMs: plentyOfTime });
    expect(summary.status).toBe('circuit-open');
    expect(summary.upstreamFailures).toBeGreaterThanOrEqual(10);
    expect(summary.upstreamCalls).toBeLessThan(10 + 4 + 1);
    expect(sim.stats().sessionRequests).toBeLessThan(60);
  });

  it('ends tracking of an order that waited longer than MAX_TRACKING_HOURS, with its own history entry', async () => {
    const { tracker, store } = trackerFor(table, sim, { maxTrackingHours: 24 });
    const orderId = sim.createOrder();
    sim.createSession(orderId, { status: 'waiting' });
    await store.trackOrder(orderId, new Date(Date.now() - 25 * 3_600_000));
    const summary = await tracker.runCycle({ owner: 'a', remainingTimeMs: plentyOfTime });
    expect(summary).toMatchObject({ expired: 1, checked: 0 });
    const record = await store.readOrder(orderId);
    expect(record?.order.state).toBe('expired');
    expect(record?.history.map((entry) => entry.kind)).toEqual(['expired']);
    expect((await tracker.runCycle({ owner: 'a', remainingTimeMs: plentyOfTime })).tracked).toBe(0);
  });

  it('counts an order whose check fails and keeps tracking it', async () => {
    const { tracker, store } = trackerFor(table, sim);
    const [order] = await trackNew(store, 1);
    sim.setFault(order!.orderId, { malformed: true });
    const summary = await tracker.runCycle({ owner: 'a', remainingTimeMs: plentyOfTime });
    expect(summary).toMatchObject({ errors: 1, upstreamFailures: 1, checked: 1 });
    expect((await store.getOrder(order!.orderId))?.state).toBe('tracking');
  });
});

describe('Tracker.checkOrder', () => {
  it('returns a failed outcome, not an exception, when OneEntry is down', async () => {
    const { tracker, store } = trackerFor(table, sim);
    const [order] = await trackNew(store, 1);
    sim.setFault(order!.orderId, { status: 500 });
    const result = await tracker.checkOrder(order!.orderId);
    expect(result.outcome).toBe('failed');
    expect(result.error?.name).toBe('OneEntryHttpError');
  });

  it('records the current status at once', async () => {
    const { tracker, store } = trackerFor(table, sim);
    const [order] = await trackNew(store, 1, 'completed');
    const result = await tracker.checkOrder(order!.orderId);
    expect(result).toMatchObject({ outcome: 'resolved', sessions: [{ status: 'completed' }] });
    expect((await store.readOrder(order!.orderId))?.order.state).toBe('resolved');
  });
});

/**
 * The race of issue 10, over real HTTP and DynamoDB Local: a slow check reads OneEntry first,
 * a fast one reads it a moment later and records first; the slow answer arrives last, older
 * than what is recorded, and must not be recorded on top of it.
 */
async function slowReadThenFastNewerRead(
  orderId: number,
  sessionId: number,
  earlierChange: boolean,
) {
  const { tracker, store } = trackerFor(table, sim);
  const { order: copy } = await store.trackOrder(orderId);
  // The slow check's copy of the order then predates an earlier change.
  if (earlierChange) await tracker.checkOrder(orderId);
  sim.setFault(orderId, { latencyMs: 400, times: 1 });
  const requestsBefore = sim.stats().sessionRequestsByOrder[orderId] ?? 0;
  const slow = tracker.checkOrder(copy);
  await waitFor(() => (sim.stats().sessionRequestsByOrder[orderId] ?? 0) > requestsBefore, 5000);
  sim.setStatus(sessionId, 'completed');
  const fast = await tracker.checkOrder(orderId);
  const late = await slow;
  return { fast, late, record: await store.readOrder(orderId) };
}

describe('a slow stale read answered after a fast newer one', () => {
  it('is dropped when the order had no session yet, and the order stays resolved', async () => {
    const orderId = sim.createOrder();
    const { id } = sim.createSession(orderId, { status: 'waiting' });
    const { fast, late, record } = await slowReadThenFastNewerRead(orderId, id, false);
    expect(fast.outcome).toBe('resolved');
    expect(late).toMatchObject({ outcome: 'unchanged', stale: 1, tracking: false });
    expect(late.sessions).toEqual([{ sessionId: id, status: 'completed' }]);
    expect(record?.history.map((entry) => [entry.previousStatus, entry.status])).toEqual([
      [null, 'completed'],
    ]);
    expect(record?.order.state).toBe('resolved');
  });

  it('is dropped when the slow check started from a copy older than an earlier change', async () => {
    const orderId = sim.createOrder();
    const { id } = sim.createSession(orderId, { status: 'waiting' });
    const { late, record } = await slowReadThenFastNewerRead(orderId, id, true);
    expect(late).toMatchObject({ stale: 1, tracking: false });
    expect(record?.history.map((entry) => [entry.previousStatus, entry.status])).toEqual([
      [null, 'waiting'],
      ['waiting', 'completed'],
    ]);
    expect(record?.order.state).toBe('resolved');
  });
});
