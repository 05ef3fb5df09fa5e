import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dueRanges, isDue, POLL_BANDS } from '../../functions/core/schedule';

const MIN = 60_000;
const since = Date.parse('2026-11-26T00:00:00Z');

describe('isDue', () => {
  it('makes everything due before the first completed cycle', () => {
    expect(isDue(since, since + 10 * 3_600_000, undefined)).toBe(true);
  });

  it('checks an order younger than ten minutes at every cycle', () => {
    expect(isDue(since, since + 2 * MIN, since + 2 * MIN - 1000)).toBe(true);
  });

  it('checks an order between ten minutes and an hour old once a minute', () => {
    expect(isDue(since, since + 20 * MIN + 30_000, since + 20 * MIN + 10_000)).toBe(false);
    expect(isDue(since, since + 21 * MIN + 1000, since + 20 * MIN + 50_000)).toBe(true);
  });

  it('checks an order older than six hours every fifteen minutes', () => {
    const sevenHours = since + 7 * 60 * MIN;
    expect(isDue(since, sevenHours + 10 * MIN, sevenHours + MIN)).toBe(false);
    expect(isDue(since, sevenHours + 16 * MIN, sevenHours + MIN)).toBe(true);
  });

  it('makes an order due when the cursor lags behind, so work cut short is picked up', () => {
    expect(isDue(since, since + 3 * 60 * MIN, since + 30 * MIN)).toBe(true);
  });
});

describe('dueRanges', () => {
  const DAY = 24 * 60 * MIN;
  const now = Date.parse('2026-11-27T12:00:00Z');
  const bandOf = (age: number) => POLL_BANDS.findIndex((band) => age < band.untilAgeMs);
  const inRanges = (s: number, ranges: { after: number; through: number }[]) =>
    ranges.some((range) => range.after < s && s <= range.through);

  it('holds every order isDue makes due, and every order past the limit, in any band', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 15 * MIN - 1 }), // the gap since the cursor
        fc.integer({ min: 0, max: 2 * DAY }), // the order's age now
        fc.constantFrom(DAY, 3 * 60 * MIN, 40 * MIN),
        (gap, age, maxAgeMs) => {
          const band = bandOf(age);
          const ranges = dueRanges(band, now, now - gap, maxAgeMs);
          fc.pre(ranges !== undefined);
          const s = now - age;
          if (isDue(s, now, now - gap) || age >= maxAgeMs) expect(inRanges(s, ranges!)).toBe(true);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('reads a small share of an old band: the ranges of one minute span about a minute per step', () => {
    const ranges = dueRanges(3, now, now - MIN, DAY) ?? [];
    const span = ranges
      .map(
        (range) => Math.min(range.through, now - 6 * 60 * MIN) - Math.max(range.after, now - DAY),
      )
      .filter((width) => width > 0)
      .reduce((sum, width) => sum + width, 0);
    // 18 hours of orders in the band, checked every 15 minutes: a fifteenth is due per minute.
    expect(span / (18 * 60 * MIN)).toBeLessThan(1 / 10);
    expect(ranges.length).toBeLessThan(100);
  });

  it('leaves the band whole where it may be all due: every-cycle band, no cursor, a gap of a step', () => {
    expect(dueRanges(0, now, now - 1000, DAY)).toBeUndefined();
    expect(dueRanges(2, now, undefined, DAY)).toBeUndefined();
    expect(dueRanges(1, now, now - MIN, DAY)).toBeUndefined();
  });

  it('gives disjoint ranges, youngest first', () => {
    const ranges = dueRanges(2, now, now - 30_000, DAY) ?? [];
    expect(ranges.length).toBeGreaterThan(1);
    for (const [index, range] of ranges.entries()) {
      const older = ranges[index + 1];
      if (older) expect(older.through).toBeLessThan(range.after);
    }
  });
});
