/**
 * The cost model of the README: what 1,000,000 payment sessions a month cost on AWS, from the
 * request counts and durations the benchmarks measured and AWS list prices. Pure arithmetic,
 * so the README's numbers can be recomputed (`npm run bench:cost`) and checked.
 */
import { POLL_BANDS, YOUNG_AGE_MS } from '../../functions/core/schedule';

/** AWS list prices, us-east-1, as of 2026-11-27 (on-demand, no free tier counted). */
export const PRICES = {
  asOf: '2026-11-27',
  region: 'us-east-1',
  /** Lambda, arm64, per GB-second. */
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  /** DynamoDB on-demand (after the November 2024 price cut). */
  writeRequestUnit: 0.625 / 1e6,
  readRequestUnit: 0.125 / 1e6,
  /** Per event (64 KB chunk); our events are far under 64 KB. */
  putEvent: 1 / 1e6,
  schedulerInvocation: 1 / 1e6,
  /** Step Functions Standard. */
  stateTransition: 0.025 / 1e3,
} as const;

const MONTH_SECONDS = 30 * 86_400;
/** An eventually consistent Query costs half a read unit even when it finds nothing. */
const MIN_QUERY_READ_UNITS = 0.5;

/** What the benchmarks measured, for one setting of the fast lane. */
export interface MeasuredRun {
  /** OneEntry calls per resolved session, the webhook's check included (bench:latency). */
  upstreamCallsPerResolved: number;
  /** Mean billed duration of a poll invocation (bench:latency). */
  pollerAvgMs: number;
  /** Mean webhook answer time, its immediate check included (bench:latency). */
  webhookAvgMs: number;
  /** Events published per session (bench:latency). */
  eventsPerSession: number;
}

/** Table costs per order and per cycle (npm run bench). */
export interface MeasuredTable {
  /** Write units to start tracking an order. */
  trackWriteUnits: number;
  /** Write units to record one transition (the first observation's transaction). */
  transitionWriteUnits: number;
  /** Read units per order read from the due index in a cycle. */
  readUnitsPerTrackedOrderPerCycle: number;
  /** Per cycle and shard, whatever is tracked: the layout read and the lease's two writes. */
  fixedReadUnitsPerCycle: number;
  fixedWriteUnitsPerCycle: number;
}

export interface Assumptions {
  sessionsPerMonth: number;
  /** Sessions never resolved: tracked until the tracking limit, then expired. */
  abandonedShare: number;
  /** Mean time from tracking to resolution of the others, in seconds (the bench's spread). */
  meanResolveSeconds: number;
  maxTrackingHours: number;
  cycleSeconds: number;
  shards: number;
  pollerMemoryGb: number;
  functionMemoryGb: number;
  /** Not measured locally: one publisher invocation per event (batches only do better). */
  publisherAvgMs: number;
  /** The upstream budget's claim writes, at most one per call (fewer when calls bunch up). */
  budgetWritesPerCall: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  sessionsPerMonth: 1_000_000,
  abandonedShare: 0.1,
  meanResolveSeconds: 62.5,
  maxTrackingHours: 24,
  cycleSeconds: 60,
  shards: 1,
  pollerMemoryGb: 0.5,
  functionMemoryGb: 0.25,
  publisherAvgMs: 100,
  budgetWritesPerCall: 1,
};

/**
 * Checks of an order never resolved over its whole tracking period, by the poll bands of
 * schedule.ts: every cycle (or every fast-lane interval) while young, then each band's step.
 */
export function checksOfAbandoned(
  { maxTrackingHours, cycleSeconds }: Pick<Assumptions, 'maxTrackingHours' | 'cycleSeconds'>,
  fastPollSeconds: number,
): number {
  const limitMs = maxTrackingHours * 3_600_000;
  let checks = 0;
  let from = 0;
  for (const { untilAgeMs, stepMs } of POLL_BANDS) {
    const until = Math.min(untilAgeMs, limitMs);
    if (until <= from) break;
    const everyMs = stepMs > 0 ? stepMs : (fastPollSeconds || cycleSeconds) * 1000;
    checks += (until - from) / everyMs;
    from = until;
  }
  return checks;
}

/** OneEntry calls a month: as measured for resolving sessions, by the schedule for abandoned ones (the webhook's check, then every due check until the limit). */
export function checksPerMonth(
  run: Pick<MeasuredRun, 'upstreamCallsPerResolved'>,
  fastPollSeconds: number,
  a: Assumptions,
): number {
  const resolving = a.sessionsPerMonth * (1 - a.abandonedShare);
  const abandoned = a.sessionsPerMonth * a.abandonedShare;
  return (
    resolving * run.upstreamCallsPerResolved +
    abandoned * (1 + checksOfAbandoned(a, fastPollSeconds))
  );
}

export interface CostLine {
  item: string;
  quantity: number;
  unit: string;
  usd: number;
}

const line = (item: string, quantity: number, unit: string, price: number): CostLine => ({
  item,
  quantity,
  unit,
  usd: quantity * price,
});

/** The watcher's monthly bill for `sessionsPerMonth` sessions, line by line. */
export function watcherCost(
  run: MeasuredRun,
  table: MeasuredTable,
  fastPollSeconds: number,
  a: Assumptions = DEFAULT_ASSUMPTIONS,
): CostLine[] {
  const resolving = a.sessionsPerMonth * (1 - a.abandonedShare);
  const abandoned = a.sessionsPerMonth * a.abandonedShare;
  const upstreamCalls = checksPerMonth(run, fastPollSeconds, a);
  const cycles = (MONTH_SECONDS / a.cycleSeconds) * a.shards;
  // Orders in the due index on average (Little's law), all read at every cycle.
  const tracked =
    (resolving * a.meanResolveSeconds + abandoned * a.maxTrackingHours * 3600) / MONTH_SECONDS;
  const events = a.sessionsPerMonth * run.eventsPerSession;
  const gbSeconds =
    (cycles * run.pollerAvgMs * a.pollerMemoryGb +
      a.sessionsPerMonth * run.webhookAvgMs * a.functionMemoryGb +
      events * a.publisherAvgMs * a.functionMemoryGb) /
    1000;
  const writeUnits =
    a.sessionsPerMonth * (table.trackWriteUnits + 2 * table.transitionWriteUnits) +
    cycles * table.fixedWriteUnitsPerCycle +
    upstreamCalls * a.budgetWritesPerCall;
  // The fast lane's rounds read the young band again: a Query (half a unit at least) each.
  const fastRounds = fastPollSeconds > 0 ? Math.floor(a.cycleSeconds / fastPollSeconds) - 1 : 0;
  const young =
    (resolving * a.meanResolveSeconds + abandoned * (YOUNG_AGE_MS / 1000)) / MONTH_SECONDS;
  const readUnits =
    cycles * (table.fixedReadUnitsPerCycle + tracked * table.readUnitsPerTrackedOrderPerCycle) +
    cycles * fastRounds * (MIN_QUERY_READ_UNITS + young * table.readUnitsPerTrackedOrderPerCycle);
  return [
    line('Lambda compute', gbSeconds, 'GB-s', PRICES.lambdaGbSecond),
    line('Lambda requests', cycles + a.sessionsPerMonth + events, 'requests', PRICES.lambdaRequest),
    line('DynamoDB writes', writeUnits, 'WRU', PRICES.writeRequestUnit),
    line('DynamoDB reads', readUnits, 'RRU', PRICES.readRequestUnit),
    line('EventBridge PutEvents', events, 'events', PRICES.putEvent),
    line('Scheduler', cycles, 'invocations', PRICES.schedulerInvocation),
    line('(OneEntry calls, not billed by AWS)', upstreamCalls, 'calls', 0),
  ];
}

/**
 * The common other way: a Step Functions Standard execution per session, polling in a loop
 * (Wait, Task, Choice: three transitions a poll) on the same schedule as the fast lane, each
 * Task a Lambda check; the same table writes and events, no due index, lease or Scheduler.
 */
export function stepFunctionsCost(
  withFastLane: MeasuredRun,
  table: MeasuredTable,
  fastPollSeconds: number,
  a: Assumptions = DEFAULT_ASSUMPTIONS,
): CostLine[] {
  const polls = checksPerMonth(withFastLane, fastPollSeconds, a);
  // Start (a Pass recording the order) and the end state, then three per poll.
  const transitions = 2 * a.sessionsPerMonth + 3 * polls;
  const events = a.sessionsPerMonth * withFastLane.eventsPerSession;
  // The webhook that starts each execution, then a Lambda check per poll.
  const gbSeconds =
    ((a.sessionsPerMonth + polls) * withFastLane.webhookAvgMs * a.functionMemoryGb +
      events * a.publisherAvgMs * a.functionMemoryGb) /
    1000;
  const writeUnits = a.sessionsPerMonth * (table.trackWriteUnits + 2 * table.transitionWriteUnits);
  return [
    line('Step Functions transitions', transitions, 'transitions', PRICES.stateTransition),
    line('Lambda compute', gbSeconds, 'GB-s', PRICES.lambdaGbSecond),
    line('Lambda requests', a.sessionsPerMonth + polls + events, 'requests', PRICES.lambdaRequest),
    line('DynamoDB writes', writeUnits, 'WRU', PRICES.writeRequestUnit),
    line('EventBridge PutEvents', events, 'events', PRICES.putEvent),
    line('(OneEntry calls, not billed by AWS)', polls, 'calls', 0),
  ];
}

export const totalUsd = (lines: readonly CostLine[]) =>
  lines.reduce((sum, entry) => sum + entry.usd, 0);
