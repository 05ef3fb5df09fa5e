import { beforeEach, describe, expect, it } from 'vitest';
import { AHEAD_MS, SharedRequestBudget } from '../../functions/core/oneentry/budget';
import { OneEntryTimeoutError } from '../../functions/core/oneentry/errors';
import type { Fetch } from '../../functions/core/oneentry/http';
import { SessionStore } from '../../functions/core/store';
import type { CycleSummary } from '../../functions/core/tracker';
import type { Simulator } from '../../infra/simulator/simulator';
import type { TestTable } from '../support/dynamo';
import {
  plentyOfTime,
  simulatorClient,
  trackerFor,
  useSimulatorAndTable,
} from '../support/tracker';

const setup = useSimulatorAndTable('budget');
let sim: Simulator;
let table: TestTable;
beforeEach(() => {
  sim = setup.sim();
  table = setup.table();
});

interface SentRequest {
  startedAt: number;
  answeredAt: number;
  status: number;
}

/** Every request any shard sends, when it started and how it was answered. */
function recordingFetch(sent: SentRequest[]): Fetch {
  return async (input, init) => {
    const startedAt = Date.now();
    const response = await globalThis.fetch(input, init);
    sent.push({ startedAt, answeredAt: Date.now(), status: response.status });
    return response;
  };
}

/**
 * `shards` pollers as separate processes would run them: each its own client and its own
 * budget object, sharing only the table.
 */
function shardsOf(shards: number, maxRps: number, sent: SentRequest[], concurrency: number) {
  const store = new SessionStore({
    client: table.client,
    tableName: table.tableName,
    pollShards: shards,
  });
  const trackers = Array.from({ length: shards }, () => {
    const source = simulatorClient(sim, {
      timeoutMs: 30_000,
      fetch: recordingFetch(sent),
      budget: new SharedRequestBudget({ client: table.client, tableName: table.tableName, maxRps }),
    });
    return trackerFor(table, sim, { concurrency }, { store, source }).tracker;
  });
  return {
    store,
    cycle: (): Promise<CycleSummary[]> =>
      Promise.all(
        trackers.map((tracker, shard) =>
          tracker.runCycle({ owner: `shard-${shard}`, remainingTimeMs: plentyOfTime, shard }),
        ),
      ),
  };
}

async function trackWaiting(store: SessionStore, count: number): Promise<number[]> {
  const orderIds: number[] = [];
  for (let index = 0; index < count; index++) {
    const orderId = sim.createOrder();
    sim.createSession(orderId, { status: 'waiting' });
    await store.trackOrder(orderId);
    orderIds.push(orderId);
  }
  return orderIds;
}

describe('the shared upstream budget', () => {
  it('holds four shards together within 10% of the cap over a run', async () => {
    // Well under what four shards reach here unbudgeted, even on a busy machine: the cap binds.
    const maxRps = 8;
    const sent: SentRequest[] = [];
    const { store, cycle } = shardsOf(4, maxRps, sent, 8);
    const orderIds = await trackWaiting(store, 56);

    const summaries = await cycle();

    expect(summaries.map((summary) => summary.status)).toEqual(Array(4).fill('completed'));
    expect(sent).toHaveLength(orderIds.length);
    const starts = sent.map((request) => request.startedAt).sort((a, b) => a - b);
    // Requests per second between the first and the last one sent.
    const rate = (starts.length - 1) / (((starts.at(-1) ?? 0) - (starts[0] ?? 0)) / 1000);
    expect(rate).toBeGreaterThan(maxRps * 0.9);
    expect(rate).toBeLessThan(maxRps * 1.1);
  }, 60_000);

  it('makes every shard back off until the Retry-After of a 429 one of them got', async () => {
    const sent: SentRequest[] = [];
    const { store, cycle } = shardsOf(4, 100, sent, 1);
    const orderIds = await trackWaiting(store, 120);
    // Checked youngest first: an order in the middle gets its 429 mid-run.
    sim.setFault(orderIds[60] ?? -1, { status: 429, retryAfterSeconds: 2, times: 1 });

    const summaries = await cycle();

    expect(summaries.reduce((sum, summary) => sum + summary.checked, 0)).toBe(120);
    const refused = sent.find((request) => request.status === 429);
    expect(refused).toBeDefined();
    const at = refused?.answeredAt ?? 0;
    // Permits claimed before it (at most AHEAD_MS ahead) may still be used just after it.
    const during = sent.filter(
      (request) => request.startedAt > at + AHEAD_MS + 100 && request.startedAt < at + 1_900,
    );
    expect(during).toEqual([]);
    expect(sent.filter((request) => request.startedAt >= at + 1_900).length).toBeGreaterThan(0);
  }, 60_000);

  it('turns away a caller whose deadline comes while it waits, with a timeout error', async () => {
    const budget = new SharedRequestBudget({
      client: table.client,
      tableName: table.tableName,
      maxRps: 1,
    });
    await budget.take();
    // The next permit is a second away; the caller has 100 ms.
    await expect(budget.take(AbortSignal.timeout(100))).rejects.toBeInstanceOf(
      OneEntryTimeoutError,
    );
  });

  it('refuses a cap that is not positive', () => {
    expect(
      () =>
        new SharedRequestBudget({ client: table.client, tableName: table.tableName, maxRps: 0 }),
    ).toThrow(RangeError);
  });
});
