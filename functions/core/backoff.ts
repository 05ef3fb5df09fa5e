/**
 * Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): a random wait up to an
 * exponential cap, so the retries of many callers spread instead of arriving together.
 */
export interface Backoff {
  /** The cap of the first retry, in ms; it doubles for each further one. */
  baseDelayMs: number;
  /** The cap never grows past this, in ms. */
  maxDelayMs: number;
  /** The random source, for tests. */
  random: () => number;
}

/** The wait before retry number `retry` (1 = the first retry): uniform in [0, cap]. */
export function fullJitter(retry: number, { baseDelayMs, maxDelayMs, random }: Backoff): number {
  return random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
}
