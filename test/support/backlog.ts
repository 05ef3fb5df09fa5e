/**
 * A backlog, played on a simulated clock: poll cycles one minute apart (the deployed rate),
 * each able to check only `capacity` orders before its time runs out, over young orders
 * (checked at every cycle), orders of the one-minute band and orders of the five-minute band.
 * Records in which cycle each order was checked. Used by the fairness test and the bench.
 */
import type { LeaseStore } from '../../functions/core/lease';
import { POLL_BANDS } from '../../functions/core/schedule';
import { StatusModel } from '../../functions/core/status';
import type { SessionStore } from '../../functions/core/store';
import { type SessionSource, Tracker } from '../../functions/core/tracker';

const MINUTE = 60_000;

export interface BacklogOptions {
  store: SessionStore;
  leases: LeaseStore;
  source: SessionSource;
  /** Creates an order upstream (one waiting session) and returns its id. */
  createOrder: () => number;
  /** Checks one cycle can make. */
  capacity: number;
  cycles: number;
  concurrency?: number;
}

export interface BacklogReport {
  capacity: number;
  /** Checks due at the first cycle: twice the capacity. */
  backlog: number;
  cycles: number;
  /** Cycles between two checks of a young order (1: every cycle), worst case. */
  worstYoungWaitCycles: number;
  /** Per older band: worst wait between checks, in that band's intervals. */
  worstOlderWaitIntervals: Record<string, number>;
}

/** The band (index into POLL_BANDS) of an order of this age. */
const bandOf = (ageMs: number) => POLL_BANDS.findIndex((band) => ageMs < band.untilAgeMs);

export async function runBacklog(options: BacklogOptions): Promise<BacklogReport> {
  const { store, capacity, cycles } = options;
  const start = Date.now();
  let now = start;
  let callsThisCycle = 0;
  let cycle = 0;
  const checkedIn = new Map<number, number[]>();
  const source: SessionSource = {
    getSessionsByOrderId: (orderId, requestOptions) => {
      callsThisCycle++;
      checkedIn.set(orderId, [...(checkedIn.get(orderId) ?? []), cycle]);
      return options.source.getSessionsByOrderId(orderId, requestOptions);
    },
  };
  const tracker = new Tracker({
    store,
    leases: options.leases,
    source,
    statuses: new StatusModel(['waiting']),
    settings: { concurrency: options.concurrency ?? 2, timeMarginMs: 1000 },
    now: () => now,
  });
  const trackedSince = new Map<number, number>();
  const track = async (count: number, ageMs: () => number) => {
    for (let index = 0; index < count; index++) {
      const orderId = options.createOrder();
      const since = now - ageMs();
      trackedSince.set(orderId, since);
      await store.trackOrder(orderId, new Date(since));
    }
  };
  // Twice what a cycle can do is due at once: a tenth young, a few in the one-minute band,
  // the rest in the five-minute band. After the backlog, the checks due per cycle fit in one
  // cycle (the upstream keeps up): about 0.6 of the capacity, plus the arrivals.
  const backlog = 2 * capacity;
  const young = Math.round(backlog / 10);
  const oneMinute = Math.round(backlog / 13);
  let spread = 0;
  await track(young, () => (spread++ % 5) * MINUTE);
  await track(oneMinute, () => 20 * MINUTE + (spread++ % 30) * MINUTE);
  await track(backlog - young - oneMinute, () => 90 * MINUTE + (spread++ % 240) * MINUTE);

  for (cycle = 0; cycle < cycles; cycle++) {
    callsThisCycle = 0;
    await tracker.runCycle({
      owner: 'backlog',
      remainingTimeMs: () => (callsThisCycle < capacity ? 60 * MINUTE : 0),
    });
    now += MINUTE;
    if (cycle % 2 === 1) await track(1, () => 0); // orders keep arriving
  }

  let worstYoungWaitCycles = 0;
  const worstOlderWaitIntervals: Record<string, number> = {};
  for (const [orderId, since] of trackedSince) {
    // Each check ends a wait, and so does the end of the run (a wait still open counts too).
    const ends = [...(checkedIn.get(orderId) ?? []), cycles];
    let previous = Math.ceil((since - start) / MINUTE) - 1; // the cycle before its first
    if (previous < -1) previous = -1;
    for (const at of ends) {
      const waited = at - previous;
      const band = bandOf(start + at * MINUTE - since);
      previous = at;
      if (band === 0) {
        worstYoungWaitCycles = Math.max(worstYoungWaitCycles, waited);
        continue;
      }
      const intervals = (waited * MINUTE) / (POLL_BANDS[band]?.stepMs ?? MINUTE);
      worstOlderWaitIntervals[band] = Math.max(worstOlderWaitIntervals[band] ?? 0, intervals);
    }
  }
  return { capacity, backlog, cycles, worstYoungWaitCycles, worstOlderWaitIntervals };
}
