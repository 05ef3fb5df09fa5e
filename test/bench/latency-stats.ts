/**
 * The measurement behind `npm run bench:latency`: which event answers which status flip, and
 * the percentiles of the delays. Kept apart from the timing so it can be tested on its own.
 */

/** A session the simulator moved to a resolving status at `flippedAt` (epoch ms). */
export interface Flip {
  sessionId: number;
  status: string;
  flippedAt: number;
}

/** An event seen in the sink at `seenAt` (epoch ms). */
export interface SeenEvent {
  sessionId: unknown;
  status: unknown;
  seenAt: number;
}

/**
 * Nearest-rank percentile (`p` in 0..100) of `values`: the smallest value with at least `p` %
 * of the values at or below it. Undefined for no values.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  if (p < 0 || p > 100) throw new RangeError(`percentile ${p} is outside 0..100`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/**
 * Delay from each flip to the first event that reports its session in the flipped status.
 * An event before its flip (a status the session had earlier) answers nothing; flips with no
 * answering event are counted as missing, never as zero.
 */
export function flipLatencies(
  flips: readonly Flip[],
  events: readonly SeenEvent[],
): { latenciesMs: number[]; missing: number } {
  const firstSeen = new Map<string, number>();
  for (const event of events) {
    const key = `${String(event.sessionId)}:${String(event.status)}`;
    const known = firstSeen.get(key);
    if (known === undefined || event.seenAt < known) firstSeen.set(key, event.seenAt);
  }
  const latenciesMs: number[] = [];
  let missing = 0;
  for (const flip of flips) {
    const seenAt = firstSeen.get(`${flip.sessionId}:${flip.status}`);
    if (seenAt === undefined || seenAt < flip.flippedAt) missing++;
    else latenciesMs.push(seenAt - flip.flippedAt);
  }
  return { latenciesMs, missing };
}

export interface LatencySummary {
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}

export function summarizeLatencies(latenciesMs: readonly number[]): LatencySummary {
  const round = (value: number | undefined) => (value === undefined ? null : Math.round(value));
  return {
    p50Ms: round(percentile(latenciesMs, 50)),
    p95Ms: round(percentile(latenciesMs, 95)),
    maxMs: round(percentile(latenciesMs, 100)),
  };
}
