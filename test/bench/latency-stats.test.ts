import { describe, expect, it } from 'vitest';
import { flipLatencies, percentile, summarizeLatencies } from './latency-stats';

describe('percentile (nearest rank)', () => {
  it('picks the smallest value with at least p % of the values at or below it', () => {
    const values = [50, 10, 40, 20, 30];
    expect(percentile(values, 50)).toBe(30);
    expect(percentile(values, 95)).toBe(50);
    expect(percentile(values, 20)).toBe(10);
    expect(percentile(values, 21)).toBe(20);
    expect(percentile(values, 0)).toBe(10);
    expect(percentile(values, 100)).toBe(50);
  });

  it('has no value for no samples and refuses a p outside 0..100', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('does not reorder the caller’s array', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('flipLatencies', () => {
  it('measures each flip to the first event of its session in the flipped status', () => {
    const { latenciesMs, missing } = flipLatencies(
      [
        { sessionId: 1, status: 'completed', flippedAt: 1_000 },
        { sessionId: 2, status: 'completed', flippedAt: 2_000 },
      ],
      [
        { sessionId: 1, status: 'waiting', seenAt: 500 },
        { sessionId: 2, status: 'completed', seenAt: 9_000 },
        { sessionId: 1, status: 'completed', seenAt: 4_000 },
        // A re-delivery of the same event later changes nothing.
        { sessionId: 1, status: 'completed', seenAt: 7_000 },
      ],
    );
    expect(latenciesMs).toEqual([3_000, 7_000]);
    expect(missing).toBe(0);
  });

  it('counts a flip without an answering event as missing, never as a zero delay', () => {
    const { latenciesMs, missing } = flipLatencies(
      [
        { sessionId: 1, status: 'completed', flippedAt: 1_000 },
        { sessionId: 2, status: 'cancelled', flippedAt: 1_000 },
      ],
      [
        // Seen before the flip: an earlier life of the same status, not this flip's event.
        { sessionId: 1, status: 'completed', seenAt: 900 },
        { sessionId: 2, status: 'completed', seenAt: 1_500 },
      ],
    );
    expect(latenciesMs).toEqual([]);
    expect(missing).toBe(2);
  });
});

describe('summarizeLatencies', () => {
  it('rounds p50, p95 and max to whole ms, and has nulls for no samples', () => {
    const latencies = Array.from({ length: 100 }, (_, index) => index + 1.4);
    expect(summarizeLatencies(latencies)).toEqual({ p50Ms: 50, p95Ms: 95, maxMs: 100 });
    expect(summarizeLatencies([])).toEqual({ p50Ms: null, p95Ms: null, maxMs: null });
  });
});
