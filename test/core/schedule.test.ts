import { describe, expect, it } from 'vitest';
import { isDue } from '../../functions/core/schedule';

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
