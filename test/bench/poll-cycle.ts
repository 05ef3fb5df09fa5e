/**
 * `npm run bench`: one poll cycle over N pending orders, against DynamoDB Local and the
 * simulator answering with a fixed latency. Prints one JSON object on stdout.
 *
 *   npm run bench -- --orders 2000 --concurrency 32 --latency 50
 *   npm run bench -- --orders 50000 --shards 4 --concurrency 16 --latency 200 [--max-rps 100]
 *   npm run bench -- --orders 50000 --shards 4 --concurrency 16 --latency 200 --old-share 0.9
 *   npm run bench -- --backlog [--capacity 200]
 *
 * The measured cycle is the second one: the first records every session's first observation
 * (a write each, by design), the second is the steady state the poller spends its life in,
 * where nothing changed and nothing should be written. Then a race: slow checks read a tenth
 * of the orders, the sessions complete, a poll cycle records that first, and the slow answers
 * arrive last (`staleDropped` counts them, none may be recorded).
 *
 * `--shards N` runs N poller shards side by side (each its own tracker and lease, as N Lambda
 * invocations would); `--max-rps` puts them under one shared upstream budget (off otherwise).
 * Every DynamoDB request asks for its consumed capacity, reported per operation.
 *
 * `--old-share F` tracks that share of the orders as if tracked earlier (ages spread evenly
 * from 10 minutes to 23 hours, so they sit in the older bands and are due only on their grid);
 * the rest are young. Then a settling cycle follows the warm-up, and the measured cycle starts
 * `--cycle-seconds` (default 60) after it, as Scheduler would start it: `tracked` (orders read
 * from the due index), `due` and the reads (`Query` requests and capacity) show what a cycle
 * reads against what it had to check.
 *
 * `--backlog` instead plays 15 cycles, one simulated minute apart, each able to check only
 * `--capacity` orders, starting with twice that much due, and reports the worst wait of a
 * young order in cycles (1: checked at every cycle) and of older ones in their intervals.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../functions/core/dynamo';
import { LeaseStore } from '../../functions/core/lease';
import { SharedRequestBudget } from '../../functions/core/oneentry/budget';
import { OneEntryClient } from '../../functions/core/oneentry/client';
import { StatusModel } from '../../functions/core/status';
import { SessionStore } from '../../functions/core/store';
import { createTableInput, PARTITION_KEY } from '../../functions/core/table';
import { combineCycleSummaries, Tracker } from '../../functions/core/tracker';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local';
import { startSimulator } from '../../infra/simulator/simulator';
import { runBacklog } from '../support/backlog';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    latency: { type: 'string', default: '50' },
    backlog: { type: 'boolean', default: false },
    capacity: { type: 'string', default: '200' },
    shards: { type: 'string', default: '1' },
    'max-rps': { type: 'string', default: '0' },
    'old-share': { type: 'string', default: '0' },
    'cycle-seconds': { type: 'string', default: '60' },
  },
});
const orders = Number(values.orders);
const concurrency = Number(values.concurrency);
const upstreamLatencyMs = Number(values.latency);
const shards = Number(values.shards);
const maxRps = Number(values['max-rps']);
const oldShare = Number(values['old-share']);
const cycleMs = Number(values['cycle-seconds']) * 1000;
if (!(oldShare >= 0 && oldShare < 1)) throw new Error('--old-share must be at least 0 and under 1');
/** Ages of the old orders: past the young band, short of the 24 h tracking limit. */
const OLD_AGES_MS = { min: 10 * 60_000, max: 23 * 3_600_000 };
/** Most orders the race plays. */
const RACED_MAX = 200;
const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
]);

const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);

// The full tiered JIT: the README's figures are measured at peak throughput.
const dynamo = await startDynamoDbLocal({ jvmOptions: [] });
const sim = await startSimulator();
try {
  const client = createDocumentClient({ endpoint: dynamo.endpoint });
  const tableName = 'bench';
  await client.send(new CreateTableCommand(createTableInput(tableName)));

  const requests: Record<string, number> = {};
  const capacityUnits: Record<string, number> = {};
  let writesOutsideLease = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      const operation = name.replace(/Command$/, '');
      requests[operation] = (requests[operation] ?? 0) + 1;
      const input = args.input as {
        Key?: Record<string, unknown>;
        ReturnConsumedCapacity?: string;
      };
      const isLease = String(input.Key?.[PARTITION_KEY] ?? '').startsWith('LEASE#');
      if (WRITE_COMMANDS.has(name) && !isLease) writesOutsideLease++;
      input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
        const units = Number((entry as { CapacityUnits?: number }).CapacityUnits ?? 0);
        capacityUnits[operation] = (capacityUnits[operation] ?? 0) + units;
      }
      return result;
    },
    { step: 'initialize', name: 'countRequests' },
  );

  const resetCounters = () => {
    for (const key of Object.keys(requests)) delete requests[key];
    for (const key of Object.keys(capacityUnits)) delete capacityUnits[key];
    writesOutsideLease = 0;
  };
  const round1 = (units: number) => Math.round(units * 10) / 10;
  const snapshotCounters = () => ({
    requests: { ...requests },
    capacityUnits: Object.fromEntries(
      Object.entries(capacityUnits).map(([operation, units]) => [operation, round1(units)]),
    ),
  });
  const perOrder = (units: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(units).map(([operation, total]) => [
        operation,
        Math.round((total / orders) * 1000) / 1000,
      ]),
    );

  const store = new SessionStore({ client, tableName, pollShards: shards });
  const leases = new LeaseStore(client, tableName);
  const oneEntry = new OneEntryClient({
    baseUrl: sim.url,
    appToken: sim.appToken,
    ...sim.issueTokens(),
    budget: maxRps > 0 ? new SharedRequestBudget({ client, tableName, maxRps }) : undefined,
  });
  sim.setFault('global', { latencyMs: upstreamLatencyMs });
  if (values.backlog) {
    progress(`backlog: twice ${values.capacity} checks due, 15 cycles`);
    const report = await runBacklog({
      store,
      leases,
      source: oneEntry,
      createOrder: () => {
        const orderId = sim.createOrder();
        sim.createSession(orderId, { status: 'waiting', amount: 10 });
        return orderId;
      },
      capacity: Number(values.capacity),
      cycles: 15,
      concurrency,
    });
    process.stdout.write(`${JSON.stringify({ upstreamLatencyMs, concurrency, ...report })}\n`);
  } else {
    await steadyCycleAndRace(store, leases, oneEntry);
  }
  client.destroy();

  async function steadyCycleAndRace(
    store: SessionStore,
    leases: LeaseStore,
    oneEntry: OneEntryClient,
  ): Promise<void> {
    progress(`seeding ${orders} orders`);
    const ids = Array.from({ length: orders }, () => {
      const orderId = sim.createOrder();
      const { id } = sim.createSession(orderId, { status: 'waiting', amount: 10 });
      return { orderId, sessionId: id };
    });
    // The old ones first: the race below takes the last tenth, young orders the cycle checks first.
    const oldCount = Math.floor(orders * oldShare);
    const trackedAt = (index: number) =>
      index < oldCount
        ? new Date(
            Date.now() -
              OLD_AGES_MS.max +
              ((OLD_AGES_MS.max - OLD_AGES_MS.min) * index) / Math.max(1, oldCount),
          )
        : new Date();
    resetCounters();
    for (let start = 0; start < ids.length; start += 50) {
      await Promise.all(
        ids
          .slice(start, start + 50)
          .map(({ orderId }, offset) => store.trackOrder(orderId, trackedAt(start + offset))),
      );
    }
    const tracking = snapshotCounters();
    const trackers = Array.from(
      { length: shards },
      () =>
        new Tracker({
          store,
          leases,
          source: oneEntry,
          statuses: new StatusModel(['waiting', 'processing']),
          settings: { concurrency },
        }),
    );
    const [tracker] = trackers;
    if (!tracker) throw new Error('--shards must be at least 1');
    const plentyOfTime = () => 15 * 60_000;
    /** One cycle of every shard at once, as their schedules start them together. */
    const cycle = async () =>
      combineCycleSummaries(
        await Promise.all(
          trackers.map((shardTracker, shard) =>
            shardTracker.runCycle({
              owner: `bench-${shard}`,
              remainingTimeMs: plentyOfTime,
              shard,
            }),
          ),
        ),
      );

    progress('warm-up cycle (first observations)');
    resetCounters();
    const warmUp = await cycle();
    if (warmUp.transitions !== orders)
      throw new Error(`warm-up recorded ${warmUp.transitions} of ${orders}`);
    const firstObservations = snapshotCounters();

    if (oldCount > 0) {
      // The warm-up made every order due (no cursor yet); the settling cycle checks what came
      // due during it, and the measured one starts a schedule interval after that one.
      progress('settling cycle');
      const settlingStartedAt = Date.now();
      await cycle();
      await delay(Math.max(0, settlingStartedAt + cycleMs - Date.now()));
    }
    resetCounters();
    progress('measured cycle');
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const summary = await cycle();
    const wallMs = performance.now() - started;
    const { requests: measuredRequests, capacityUnits: measuredCapacity } = snapshotCounters();
    const rssMb = Math.round(process.memoryUsage().rss / 1e6);
    const rssGrowthMb = Math.round((process.memoryUsage().rss - rssBefore) / 1e6);
    const writesForUnchanged = writesOutsideLease;
    if (summary.status !== 'completed' || summary.checked !== summary.due) {
      throw new Error(`cycle ended ${summary.status} after ${summary.checked} checks`);
    }

    // The slow checks read `processing` (a change their copy of the order lacks), the cycle
    // reads and records `completed`; the slow answers conflict, re-decide and are dropped.
    progress('race: slow stale reads answered after a cycle recorded newer ones');
    // The youngest orders: the cycle checks them first, well before the slow answers arrive.
    // At most 200: each is a check of its own in flight at once, and thousands of them would
    // measure DynamoDB Local's connection backlog rather than the race.
    const raced = ids.slice(-Math.min(RACED_MAX, Math.max(1, Math.floor(orders / 10))));
    // Slow enough that the cycle checks every raced order first, whatever the latency, yet
    // under the client's 5 s timeout (a retry would read the new status itself).
    const rounds = Math.ceil(raced.length / (concurrency * shards));
    const slowMs = Math.min(4_500, Math.max(2_000, 6 * rounds * upstreamLatencyMs));
    for (const { orderId } of raced) sim.setFault(orderId, { latencyMs: slowMs, times: 1 });
    for (const { sessionId } of raced) sim.setStatus(sessionId, 'processing');
    const before = sim.stats().sessionRequests;
    const slow = raced.map(({ orderId }) => tracker.checkOrder(orderId));
    while (sim.stats().sessionRequests - before < raced.length) await delay(10);
    for (const { sessionId } of raced) sim.setStatus(sessionId, 'completed');
    const raceCycle = await cycle();
    const late = await Promise.all(slow);
    const staleDropped = late.reduce((sum, result) => sum + result.stale, 0) + raceCycle.stale;
    const reopened = late.filter((result) => result.transitions.length > 0).length;
    if (reopened > 0) throw new Error(`${reopened} stale answers were recorded`);

    const checksPerSec = summary.checked / (wallMs / 1000);
    const unbudgeted = (concurrency * shards) / (upstreamLatencyMs / 1000);
    const idealChecksPerSec = maxRps > 0 ? Math.min(maxRps, unbudgeted) : unbudgeted;
    const result = {
      shards,
      maxRps: maxRps > 0 ? maxRps : null,
      orders,
      concurrency,
      upstreamLatencyMs,
      checked: summary.checked,
      unchanged: summary.unchanged,
      wallMs: Math.round(wallMs),
      checksPerSec: Math.round(checksPerSec * 10) / 10,
      idealChecksPerSec: Math.round(idealChecksPerSec * 10) / 10,
      efficiency: Math.round((checksPerSec / idealChecksPerSec) * 1000) / 1000,
      dynamoRequests: measuredRequests,
      consumedCapacityUnits: measuredCapacity,
      oldShare,
      tracked: summary.tracked,
      read: summary.read,
      due: summary.due,
      queryRequestsPerCycle: measuredRequests.Query ?? 0,
      queryCapacityUnitsPerCycle: measuredCapacity.Query ?? 0,
      /** What tracking an order and recording the first observations cost, per order. */
      perOrder: {
        trackCapacityUnits: perOrder(tracking.capacityUnits),
        firstObservationCapacityUnits: perOrder(firstObservations.capacityUnits),
      },
      writesForUnchanged,
      writesPerUnchangedCheck: writesForUnchanged / Math.max(1, summary.unchanged),
      scans: measuredRequests.Scan ?? 0,
      rssMb,
      rssGrowthMb,
      racedOrders: raced.length,
      staleDropped,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
} finally {
  await sim.close();
  await dynamo.stop();
}
