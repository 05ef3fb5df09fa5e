/**
 * How often an order is checked, by the age of its tracking period. Young payments resolve
 * often and fast; old ones rarely, so checking them every cycle wastes upstream calls.
 *
 * | age            | checked              |
 * |----------------|----------------------|
 * | under 10 min   | every poll cycle     |
 * | 10 min to 1 h  | once a minute        |
 * | 1 h to 6 h     | every 5 minutes      |
 * | 6 h and over   | every 15 minutes     |
 *
 * An order is due when a point of its grid (`trackedSince + k * step`) falls after the
 * cursor (the start of the last cycle that finished all its work) and at or before now. The
 * grid is fixed by `trackedSince`, so deciding costs no write per order: an unchanged check
 * writes nothing at all. The webhook checks an order at once, whatever its grid says.
 */
const MINUTE = 60_000;

/** Orders younger than this are checked at every cycle (the first band). */
export const YOUNG_AGE_MS = 10 * MINUTE;

export const POLL_BANDS: readonly { untilAgeMs: number; stepMs: number }[] = [
  { untilAgeMs: YOUNG_AGE_MS, stepMs: 0 },
  { untilAgeMs: 60 * MINUTE, stepMs: MINUTE },
  { untilAgeMs: 6 * 60 * MINUTE, stepMs: 5 * MINUTE },
  { untilAgeMs: Number.POSITIVE_INFINITY, stepMs: 15 * MINUTE },
];

function slot(ageMs: number): string {
  const index = POLL_BANDS.findIndex((band) => ageMs < band.untilAgeMs);
  const band = POLL_BANDS[index] ?? POLL_BANDS[POLL_BANDS.length - 1];
  if (!band || band.stepMs === 0) return `${index}:${ageMs}`;
  return `${index}:${Math.floor(ageMs / band.stepMs)}`;
}

/**
 * Whether an order tracked since `trackedSince` is due at `now`, given that every due check up
 * to `cursor` was done. With no cursor (first cycle ever) everything is due.
 */
export function isDue(trackedSince: number, now: number, cursor: number | undefined): boolean {
  if (cursor === undefined || cursor <= trackedSince || now <= cursor) return true;
  const ageNow = now - trackedSince;
  const band = POLL_BANDS.find((candidate) => ageNow < candidate.untilAgeMs);
  if (!band || band.stepMs === 0) return true;
  return slot(ageNow) !== slot(cursor - trackedSince);
}

/** Instants of `trackedSince`, epoch ms: those above `after` and at or below `through`. */
export interface TrackedRange {
  after: number;
  through: number;
}

/**
 * Above this many ranges, reading the band whole is the simpler read (a tracking limit of
 * weeks would make one range per step).
 */
const MAX_DUE_RANGES = 400;

/**
 * The `trackedSince` ranges that hold every order of band `band` due at `now` since `cursor`
 * (as `isDue` decides), plus those past `maxAgeMs` (to expire), youngest first; a superset,
 * since the caller still asks `isDue` of each order. Undefined when the whole band may be due
 * (the band checked every cycle, no cursor yet, a gap of a whole step) or the ranges would
 * be too many. An order is due when a point of its grid, `trackedSince + m * step`, falls in
 * `(cursor, now]`: `trackedSince` in `(cursor - m * step, now - m * step]` for some `m`. Band
 * boundaries are grid points of the band above them, so crossing one is such a point too.
 */
export function dueRanges(
  band: number,
  now: number,
  cursor: number | undefined,
  maxAgeMs: number,
): TrackedRange[] | undefined {
  const { stepMs } = POLL_BANDS[band] ?? {};
  const gap = cursor === undefined ? Number.POSITIVE_INFINITY : now - cursor;
  if (!stepMs || cursor === undefined || gap <= 0 || gap >= stepMs) return undefined;
  const olderThan = POLL_BANDS[band - 1]?.untilAgeMs ?? 0;
  const youngerThan = Math.min(POLL_BANDS[band]?.untilAgeMs ?? maxAgeMs, maxAgeMs);
  // Orders tracked since the cursor (due whatever the grid says) are younger than the gap,
  // so younger than any band with a step: none to add. Those past the limit are read to expire.
  const ranges: TrackedRange[] = [{ after: Number.NEGATIVE_INFINITY, through: now - maxAgeMs }];
  const first = Math.max(1, Math.floor((olderThan - gap) / stepMs));
  const last = Math.ceil(youngerThan / stepMs) + 1;
  if (last - first > MAX_DUE_RANGES) return undefined;
  for (let m = first; m <= last; m++) {
    // One millisecond wider at each end: a superset costs nothing, a gap would skip a check.
    ranges.push({ after: cursor - m * stepMs - 1, through: now - m * stepMs + 1 });
  }
  return merged(ranges);
}

/** Overlapping ranges as one, youngest first. */
function merged(ranges: TrackedRange[]): TrackedRange[] {
  const byEnd = [...ranges].sort((a, b) => b.through - a.through);
  const result: TrackedRange[] = [];
  for (const range of byEnd) {
    const previous = result.at(-1);
    if (previous && range.through >= previous.after) {
      previous.after = Math.min(previous.after, range.after);
    } else {
      result.push({ ...range });
    }
  }
  return result;
}
