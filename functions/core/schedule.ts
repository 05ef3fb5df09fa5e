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
