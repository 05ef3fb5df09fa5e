import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../functions/core/discovery/checkpoint';
import {
  type DiscoverySettings,
  DiscoverySweep,
  TRUNCATED_ADVICE,
} from '../../functions/core/discovery/sweep';
import { LeaseStore } from '../../functions/core/lease';
import type { OrderState } from '../../functions/core/model';
import { untrackOrder } from '../../functions/core/untrack';
import { type Simulator, startSimulator } from '../../infra/simulator/simulator';
import { createTestTable, type TestTable } from '../support/dynamo';
import { plentyOfTime, trackerFor } from '../support/tracker';

let sim: Simulator;
let table: TestTable;

beforeEach(async () => {
  sim = await startSimulator();
  table = await createTestTable('discovery');
});
afterEach(async () => {
  await sim.close();
  await table.drop();
});

function sweepWith(settings: Partial<DiscoverySettings> = {}) {
  const { tracker, store, client } = trackerFor(table, sim);
  const warnings: string[] = [];
  const sweep = new DiscoverySweep({
    lister: client,
    store,
    tracker,
    checkpoints: new CheckpointStore(table.client, table.tableName),
    leases: new LeaseStore(table.client, table.tableName),
    settings: { pageSize: 3, timeMarginMs: 100, ...settings },
    logger: { debug() {}, warn: (message) => void warnings.push(message), error() {} },
  });
  const run = (remainingTimeMs = plentyOfTime) =>
    sweep.run({ owner: `test-${Math.random()}`, remainingTimeMs });
  return { run, store, warnings };
}

/** Orders with one session each; returns the order ids. */
function newOrders(count: number, init: Parameters<Simulator['createSession']>[1] = {}): number[] {
  return Array.from({ length: count }, () => {
    const orderId = sim.createOrder();
    sim.createSession(orderId, init);
    return orderId;
  });
}

async function trackedOrders(): Promise<OrderState[]> {
  return (await table.scanAll()).filter(
    (item) => item.entity === 'order',
  ) as unknown as OrderState[];
}

const historyOf = async (orderId: number) =>
  (await table.scanAll()).filter((item) => item.entity === 'history' && item.orderId === orderId);

describe('discovery sweep', () => {
  it('takes the sessions that exist at the first sweep as a baseline and tracks none of them', async () => {
    newOrders(5);
    const { run } = sweepWith();
    const summary = await run();
    expect(summary).toMatchObject({ status: 'baseline', discovered: 0, order: 'newest-first' });
    expect(summary.pages).toBe(1);
    expect(await trackedOrders()).toEqual([]);
    expect(await new CheckpointStore(table.client, table.tableName).read()).toMatchObject({
      highestSessionId: 5,
      total: 5,
    });
  });

  it('tracks the orders of sessions created after the baseline, as a webhook would, marked discovery', async () => {
    newOrders(4);
    const { run } = sweepWith();
    await run();
    const [waiting, completed] = [newOrders(1)[0]!, newOrders(1, { status: 'completed' })[0]!];
    const summary = await run();
    expect(summary).toMatchObject({ status: 'completed', discovered: 2, newSessions: 2, pages: 1 });
    const orders = await trackedOrders();
    expect(orders.map((order) => [order.orderId, order.state, order.source]).sort()).toEqual(
      [
        [completed, 'resolved', 'discovery'],
        [waiting, 'tracking', 'discovery'],
      ].sort(),
    );
    expect((await historyOf(waiting)).map((entry) => entry.kind)).toEqual(['observed']);
    expect((await historyOf(completed)).map((entry) => entry.kind)).toEqual(['resolved']);
    // Nothing new: one page, nothing adopted twice.
    expect(await run()).toMatchObject({ discovered: 0, newSessions: 0, pages: 1 });
  });

  it('leaves an order a webhook is tracking, and an order whose session it already saw', async () => {
    const { run, store } = sweepWith();
    await run();
    const [announced] = newOrders(1);
    await store.trackOrder(announced!);
    expect(await run()).toMatchObject({ discovered: 0, newSessions: 1 });
    const orders = await trackedOrders();
    expect(orders).toHaveLength(1);
    expect(orders[0]?.source).toBe('webhook');
  });

  it('leaves an order stopped by hand alone until OneEntry shows a new session of it', async () => {
    const { run, store } = sweepWith();
    await run();
    const [mistake] = newOrders(1);
    await run();
    expect((await untrackOrder(store, mistake!)).stopped).toBe(true);
    expect(await run()).toMatchObject({ discovered: 0 });
    expect((await store.getOrder(mistake!))?.state).toBe('untracked');
    sim.createSession(mistake!, {});
    expect(await run()).toMatchObject({ discovered: 1 });
    expect((await store.getOrder(mistake!))?.state).toBe('tracking');
    expect((await historyOf(mistake!)).map((entry) => entry.kind).sort()).toEqual(
      ['observed', 'observed', 'untracked'].sort(),
    );
  });

  it('reads an oldest-first list from where it ended, paging only what is new', async () => {
    sim.setListSettings({ order: 'oldest-first' });
    newOrders(7);
    const { run } = sweepWith();
    const baseline = await run();
    expect(baseline).toMatchObject({ status: 'baseline', order: 'oldest-first' });
    const fresh = newOrders(5);
    const summary = await run();
    expect(summary).toMatchObject({ discovered: 5, order: 'oldest-first' });
    // One page before the old end, then forward: 1 + ceil(5 / 3) requests.
    expect(summary.pages).toBe(3);
    expect((await trackedOrders()).map((order) => order.orderId).sort()).toEqual(fresh.sort());
  });

  it('adopts, with backfill, exactly the sessions created within the window', async () => {
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();
    // Ids grow with creation time, as OneEntry's do.
    newOrders(3, { createdDate: hoursAgo(5) });
    newOrders(2, { createdDate: hoursAgo(3) });
    const [oneHour] = newOrders(1, { createdDate: hoursAgo(1) });
    const [justNow] = newOrders(1);
    const { run } = sweepWith({ backfillHours: 2 });
    const summary = await run();
    expect(summary).toMatchObject({ status: 'baseline', discovered: 2 });
    expect((await trackedOrders()).map((order) => order.orderId).sort()).toEqual(
      [oneHour, justNow].sort(),
    );
  });

  it('warns when OneEntry lists fewer sessions than it counts, and adopts the newest it can see', async () => {
    sim.setListSettings({ cap: 4 });
    newOrders(2);
    const { run, warnings } = sweepWith();
    await run();
    const fresh = newOrders(6);
    const summary = await run();
    expect(summary).toMatchObject({ truncated: true, discovered: 4, total: 8 });
    expect(warnings).toContain(TRUNCATED_ADVICE);
    expect((await trackedOrders()).map((order) => order.orderId).sort()).toEqual(
      fresh.slice(-4).sort(),
    );
  });

  it('misses and duplicates nothing when sessions are created while it pages', async () => {
    newOrders(2);
    const { run } = sweepWith();
    await run();
    const before = newOrders(7);
    const during: number[] = [];
    sim.onListPage((offset) => {
      if (offset === 0 && during.length === 0) during.push(...newOrders(2));
    });
    const first = await run();
    sim.onListPage(undefined);
    expect(first.discovered).toBe(7);
    expect((await run()).discovered).toBe(2);
    const orders = await trackedOrders();
    expect(orders.map((order) => order.orderId).sort()).toEqual([...before, ...during].sort());
    for (const { orderId } of orders) expect(await historyOf(orderId)).toHaveLength(1);
  });

  it('skips and counts list items that do not parse, and adopts the rest', async () => {
    const { run } = sweepWith();
    await run();
    const fresh = newOrders(3);
    const broken = sim.createSession(fresh[1]!); // a second session of the same order
    sim.setListSettings({ invalidSessionIds: [broken.id] });
    const summary = await run();
    expect(summary).toMatchObject({ invalidItems: 1, discovered: 3 });
  });

  it('stops within its deadline when OneEntry hangs, and the next sweep resumes from the checkpoint', async () => {
    const { run } = sweepWith();
    await run();
    const checkpoints = new CheckpointStore(table.client, table.tableName);
    const before = await checkpoints.read();
    const fresh = newOrders(2);
    sim.setFault('list', { hang: true });
    const startedAt = Date.now();
    const stopped = await run(() => 600 - (Date.now() - startedAt));
    // The hang never ends: returning at all, for want of time, is the deadline at work. No
    // wall-clock bound beyond that: a loaded machine may run a few milliseconds over.
    expect(stopped.status).toBe('time-budget');
    expect(await checkpoints.read()).toEqual(before);
    sim.setFault('list', null);
    expect(await run()).toMatchObject({ discovered: 2 });
    expect((await trackedOrders()).map((order) => order.orderId).sort()).toEqual(fresh.sort());
  });

  it('runs one sweep at a time', async () => {
    const { run } = sweepWith();
    await new LeaseStore(table.client, table.tableName).acquire(
      'discovery',
      'someone-else',
      Date.now(),
      60_000,
    );
    expect(await run()).toMatchObject({ status: 'lease-held', pages: 0 });
  });
});
