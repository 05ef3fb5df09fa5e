/**
 * `npm run bench:cost`: the README's cost model, recomputed from the benchmarks' own output.
 *
 *   npm run bench:latency > test/bench/figures/latency.json
 *   npm run bench -- --orders 50000 --shards 4 --concurrency 16 --latency 200 --old-share 0.9 \
 *     > test/bench/figures/poll-cycle-old.json
 *   npm run bench:cost [-- --latency FILE --cycle FILE]
 *
 * Prints a Markdown table per 1,000,000 sessions a month (see cost-model.ts for the
 * assumptions and prices), then what the fast lane costs against what it gains.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type CostLine,
  DEFAULT_ASSUMPTIONS,
  type MeasuredRun,
  type MeasuredTable,
  PRICES,
  stepFunctionsCost,
  totalUsd,
  watcherCost,
} from './cost-model';

const FIGURES = join(import.meta.dirname, 'figures');
const { values } = parseArgs({
  options: {
    latency: { type: 'string', default: join(FIGURES, 'latency.json') },
    cycle: { type: 'string', default: join(FIGURES, 'poll-cycle-old.json') },
  },
});

type LatencyRun = MeasuredRun & { fastPollSeconds: number; p50Ms: number; p95Ms: number };
const { runs } = JSON.parse(readFileSync(values.latency, 'utf8')) as { runs: LatencyRun[] };
const cycle = JSON.parse(readFileSync(values.cycle, 'utf8')) as {
  shards: number;
  tracked: number;
  queryCapacityUnitsPerCycle: number;
  consumedCapacityUnits: Record<string, number>;
  perOrder: {
    trackCapacityUnits: Record<string, number>;
    firstObservationCapacityUnits: Record<string, number>;
  };
};
const slow = runs.find((run) => run.fastPollSeconds === 0);
const fast = runs.find((run) => run.fastPollSeconds > 0);
if (!slow || !fast)
  throw new Error(`${values.latency} needs a run with and one without the fast lane`);

const table: MeasuredTable = {
  trackWriteUnits: cycle.perOrder.trackCapacityUnits.UpdateItem ?? 0,
  transitionWriteUnits: cycle.perOrder.firstObservationCapacityUnits.TransactWriteItems ?? 0,
  readUnitsPerTrackedOrderPerCycle: cycle.queryCapacityUnitsPerCycle / cycle.tracked,
  fixedReadUnitsPerCycle: (cycle.consumedCapacityUnits.GetItem ?? 0) / cycle.shards,
  fixedWriteUnitsPerCycle: (cycle.consumedCapacityUnits.UpdateItem ?? 0) / cycle.shards,
};

const columns: [string, CostLine[]][] = [
  ['without fast lane', watcherCost(slow, table, 0)],
  [`fast lane ${fast.fastPollSeconds} s`, watcherCost(fast, table, fast.fastPollSeconds)],
  ['Step Functions loop', stepFunctionsCost(fast, table, fast.fastPollSeconds)],
];
// Billed items first, in the order they come; the OneEntry calls (not billed) last.
const items = [...new Set(columns.flatMap(([, lines]) => lines.map((entry) => entry.item)))].sort(
  (a, b) => Number(a.startsWith('(')) - Number(b.startsWith('(')),
);
const number = (value: number) => Math.round(value).toLocaleString('en-US');
const usd = (value: number) => `$${value.toFixed(2)}`;
const cell = (lines: CostLine[], item: string) => {
  const entry = lines.find((candidate) => candidate.item === item);
  if (!entry) return '–';
  return entry.usd > 0 || entry.unit === 'calls'
    ? `${number(entry.quantity)} ${entry.unit}${entry.unit === 'calls' ? '' : ` = ${usd(entry.usd)}`}`
    : `${number(entry.quantity)} ${entry.unit}`;
};

const out: string[] = [
  `Per ${number(DEFAULT_ASSUMPTIONS.sessionsPerMonth)} sessions a month, ${PRICES.region} list prices of ${PRICES.asOf}:`,
  '',
  `| | ${columns.map(([name]) => name).join(' | ')} |`,
  `| --- | ${columns.map(() => '---').join(' | ')} |`,
  ...items.map(
    (item) => `| ${item} | ${columns.map(([, lines]) => cell(lines, item)).join(' | ')} |`,
  ),
  `| **total** | ${columns.map(([, lines]) => `**${usd(totalUsd(lines))}**`).join(' | ')} |`,
  '',
];
const cycles = (30 * 86_400) / DEFAULT_ASSUMPTIONS.cycleSeconds;
const extraSeconds = (cycles * (fast.pollerAvgMs - slow.pollerAvgMs)) / 1000;
out.push(
  `Fast lane: +${number(extraSeconds)} poller Lambda seconds a month per shard ` +
    `(${number(extraSeconds * DEFAULT_ASSUMPTIONS.pollerMemoryGb)} GB-s = ` +
    `${usd(extraSeconds * DEFAULT_ASSUMPTIONS.pollerMemoryGb * PRICES.lambdaGbSecond)}), ` +
    `for p50 ${(slow.p50Ms / 1000).toFixed(1)} s -> ${(fast.p50Ms / 1000).toFixed(1)} s and ` +
    `p95 ${(slow.p95Ms / 1000).toFixed(1)} s -> ${(fast.p95Ms / 1000).toFixed(1)} s.`,
);
process.stdout.write(`${out.join('\n')}\n`);
