import { describe, expect, it } from 'vitest';
import {
  checksOfAbandoned,
  DEFAULT_ASSUMPTIONS,
  type MeasuredRun,
  type MeasuredTable,
  PRICES,
  stepFunctionsCost,
  totalUsd,
  watcherCost,
} from './cost-model';

const run: MeasuredRun = {
  upstreamCallsPerResolved: 4,
  pollerAvgMs: 1_000,
  webhookAvgMs: 200,
  eventsPerSession: 2,
};
const table: MeasuredTable = {
  trackWriteUnits: 3,
  transitionWriteUnits: 12,
  readUnitsPerTrackedOrderPerCycle: 0.01,
  fixedReadUnitsPerCycle: 1,
  fixedWriteUnitsPerCycle: 2,
};
const usdOf = (lines: { item: string; usd: number }[], item: string) =>
  lines.find((entry) => entry.item === item)?.usd;

describe('checksOfAbandoned', () => {
  it('follows the poll bands over 24 hours: each cycle while young, then 1, 5 and 15 minutes', () => {
    // 10 young cycles, 50 one-minute, 60 five-minute and 72 fifteen-minute checks.
    expect(checksOfAbandoned({ maxTrackingHours: 24, cycleSeconds: 60 }, 0)).toBe(192);
  });

  it('checks the young band every fast-lane interval instead of every cycle', () => {
    expect(checksOfAbandoned({ maxTrackingHours: 24, cycleSeconds: 60 }, 10)).toBe(242);
  });

  it('stops at the tracking limit', () => {
    expect(checksOfAbandoned({ maxTrackingHours: 1, cycleSeconds: 60 }, 0)).toBe(60);
  });
});

describe('watcherCost', () => {
  it('prices a month of cycles and sessions from the measured counts', () => {
    const lines = watcherCost(run, table, 0);
    const cycles = 43_200;
    // One PutEvents entry and one publisher invocation per event.
    expect(usdOf(lines, 'EventBridge PutEvents')).toBeCloseTo(2_000_000 * PRICES.putEvent);
    expect(usdOf(lines, 'Scheduler')).toBeCloseTo(cycles * PRICES.schedulerInvocation);
    const gbSeconds = cycles * 1 * 0.5 + 1_000_000 * 0.2 * 0.25 + 2_000_000 * 0.1 * 0.25;
    expect(usdOf(lines, 'Lambda compute')).toBeCloseTo(gbSeconds * PRICES.lambdaGbSecond);
    const calls = 900_000 * 4 + 100_000 * 193;
    const writes = 1_000_000 * (3 + 24) + cycles * 2 + calls;
    expect(usdOf(lines, 'DynamoDB writes')).toBeCloseTo(writes * PRICES.writeRequestUnit);
    expect(totalUsd(lines)).toBeGreaterThan(0);
  });
});

describe('stepFunctionsCost', () => {
  it('counts three transitions a poll and two an execution', () => {
    const lines = stepFunctionsCost(run, table, 10);
    const polls = 900_000 * 4 + 100_000 * 243;
    expect(usdOf(lines, 'Step Functions transitions')).toBeCloseTo(
      (2 * DEFAULT_ASSUMPTIONS.sessionsPerMonth + 3 * polls) * PRICES.stateTransition,
    );
  });
});
