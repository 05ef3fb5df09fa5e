import { beforeEach, describe, expect, it } from 'vitest';
import { UnknownShardError } from '../../functions/core/due-layout';
import { LeaseStore } from '../../functions/core/lease';
import { SessionStore } from '../../functions/core/store';
import { type CycleSummary, pollerLeaseName } from '../../functions/core/tracker';
import type { Simulator } from '../../infra/simulator/simulator';
import type { TestTable } from '../support/dynamo';
import {
  plentyOfTime,
  simulatorClient,
  trackerFor,
  useSimulatorAndTable,
} from '../support/tracker';

const setup = useSimulatorAndTable('sharding');
let sim: Simulator;
let table: TestTable;
beforeEach(() => {
  sim = setup.sim();
  table = setup.table();
});

/** The pollers of a layout of `shards` shards, as its deployment would run them. */
function layout(shards: number) {
  const store = new SessionStore({
    client: table.client,
    tableName: table.tableName,
    pollShards: shards,
  });
  // A patient client: a retry after a slow answer on a busy machine would count as a second check.
  const source = simulatorClient(sim, { timeoutMs: 30_000, maxAttempts: 1 });
  const { tracker } = trackerFor(table, sim, { concurrency: 4 }, { store, source });
  return {
    store,
    /** One cycle of every shard at once, as their schedules fire together. */
    cycle: (owner: string): Promise<CycleSummary[]> =>
      Promise.all(
        Array.from({ length: shards }, (_, shard) =>
          tracker.runCycle({ owner: `${owner}-${shard}`, remainingTimeMs: plentyOfTime, shard }),
        ),
      ),
  };
}

async function trackWaiting(store: SessionStore, count: number) {
  const orders: { orderId: number; sessionId: number }[] = [];
  for (let index = 0; index < count; index++) {
    const orderId = sim.createOrder();
    orders.push({ orderId, sessionId: sim.createSession(orderId, { status: 'waiting' }).id });
    await store.trackOrder(orderId);
  }
  return orders;
}

/** Upstream requests per order since the last call: every order of `orderIds` exactly once? */
function requestsSince(before: Record<number, number>, orderIds: number[]): number[] {
  const now = sim.stats().sessionRequestsByOrder;
  return orderIds.map((orderId) => (now[orderId] ?? 0) - (before[orderId] ?? 0));
}

async function partitionOf(orderId: number): Promise<string | undefined> {
  const items = await table.scanAll();
  const item = items.find(
    (candidate) => candidate.orderId === orderId && candidate.entity === 'order',
  );
  return item?.dueShard as string | undefined;
}

describe('sharded polling', () => {
  it("reads only its shard's partitions, and a shard's lease never blocks another shard", async () => {
    const { store, cycle } = layout(4);
    const orders = await trackWaiting(store, 24);
    const held = await new LeaseStore(table.client, table.tableName).acquire(
      pollerLeaseName(2, 4),
      'someone-else',
      Date.now(),
      60_000,
    );
    expect(held).toBeDefined();

    const summaries = await cycle('first');

    expect(summaries.map((summary) => summary.status)).toEqual([
      'completed',
      'completed',
      'lease-held',
      'completed',
    ]);
    const requests = sim.stats().sessionRequestsByOrder;
    for (const { orderId } of orders) {
      expect(requests[orderId] ?? 0).toBe(orderId % 4 === 2 ? 0 : 1);
    }
    expect(summaries.reduce((sum, summary) => sum + summary.tracked, 0)).toBe(
      orders.filter(({ orderId }) => orderId % 4 !== 2).length,
    );
  });

  it('loses and duplicates nothing when the shard count changes 1 → 4 → 2 with orders in flight', async () => {
    const one = layout(1);
    const first = await trackWaiting(one.store, 10);
    await one.cycle('one');

    // Redeployed with four shards: old orders stay where they are, new ones spread over four.
    const four = layout(4);
    const second = await trackWaiting(four.store, 10);
    for (const { sessionId } of first.slice(0, 3)) sim.setStatus(sessionId, 'completed');
    let before = { ...sim.stats().sessionRequestsByOrder };
    await four.cycle('four');
    const inFlight = [...first, ...second].map(({ orderId }) => orderId);
    expect(requestsSince(before, inFlight)).toEqual(inFlight.map(() => 1));

    // And down to two: orders of both earlier layouts are still checked, each by one shard.
    const two = layout(2);
    const third = await trackWaiting(two.store, 10);
    for (const { sessionId } of [...first.slice(3, 6), ...second.slice(0, 4)]) {
      sim.setStatus(sessionId, 'completed');
    }
    const stillTracked = [...first.slice(3), ...second, ...third].map(({ orderId }) => orderId);
    before = { ...sim.stats().sessionRequestsByOrder };
    await two.cycle('two');
    expect(requestsSince(before, stillTracked)).toEqual(stillTracked.map(() => 1));

    for (const { sessionId } of [...first, ...second, ...third]) {
      sim.setStatus(sessionId, 'completed');
    }
    await two.cycle('two-again');

    const all = [...first, ...second, ...third];
    for (const { orderId } of all) {
      const record = await two.store.readOrder(orderId);
      expect(record?.order.state).toBe('resolved');
      expect(record?.history.map((entry) => entry.status)).toEqual(['waiting', 'completed']);
    }
    const left: number[] = [];
    for await (const order of two.store.listTracked()) left.push(order.orderId);
    expect(left).toEqual([]);
    expect(await partitionOf(first[0]?.orderId ?? -1)).toBeUndefined();
  });

  it('keeps an order in the partition it was given when tracked, whatever the layout becomes', async () => {
    const [early] = await trackWaiting(layout(4).store, 1);
    const [late] = await trackWaiting(layout(2).store, 1);
    const orderId = early?.orderId ?? -1;
    expect(await partitionOf(orderId)).toBe(`TRACKING#${orderId % 4}`);
    expect(await partitionOf(late?.orderId ?? -1)).toBe(`TRACKING#${(late?.orderId ?? -1) % 2}`);
    // Shard orderId % 2 of the two-shard layout reads partition orderId % 4.
    const partitions = await layout(2).store.layout.partitionsOf(orderId % 2);
    expect(partitions).toContain(orderId % 4);
  });

  it('records each transition once while old and new layouts overlap during a deployment', async () => {
    const one = layout(1);
    const orders = await trackWaiting(one.store, 16);
    const three = layout(3);
    sim.setFault('global', { latencyMs: 10 });
    for (const { sessionId } of orders) sim.setStatus(sessionId, 'completed');
    await Promise.all([one.cycle('old'), three.cycle('new'), one.cycle('old-again')]);
    for (const { orderId } of orders) {
      const record = await one.store.readOrder(orderId);
      expect(record?.history.map((entry) => entry.status)).toEqual(['completed']);
    }
  });

  it('refuses a shard the layout does not have', async () => {
    const { store } = layout(2);
    await expect(store.layout.partitionsOf(2)).rejects.toBeInstanceOf(UnknownShardError);
  });
});
