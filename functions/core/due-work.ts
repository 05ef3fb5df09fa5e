/**
 * Which orders a poll cycle checks, and in what order, so that a backlog never starves the
 * orders that need checks most. The due index is read band by band of order age (the bands
 * of `schedule.ts`), youngest band first, each band youngest first (one range read of the
 * index per band and partition of the poller's shard, never a Scan):
 *
 * - The young band (checked at every cycle) comes first, whole, at every cycle.
 * - Each older band is a pass: its orders are checked when their grid says they are due
 *   since the band's cursor. A cycle cut short (time, circuit) keeps in the lease how far the
 *   band's pass got; the next cycle goes on from there instead of starting over, and when the
 *   pass reaches the band's end, its start becomes the band's cursor.
 *
 * So a cut-short cycle never makes every order due at once; the bands with short intervals
 * finish their pass first in every cycle, and the long ones advance over several cycles, so
 * an order waits about two of its intervals at most while the upstream keeps up. Deciding
 * still writes nothing per order: the bands' places travel in the lease's two writes a cycle.
 */
import type { BandProgress, Lease } from './lease';
import type { OrderState } from './model';
import { isDue, POLL_BANDS } from './schedule';
import type { SessionStore } from './store';

export interface DueItem {
  order: OrderState;
  /** Tracked longer than the limit: expire it instead of checking it. */
  expire: boolean;
  band: number;
  /** The item's place in its band's pass. */
  place: number;
}

export interface DueCounts {
  /** Orders read from the due index. */
  tracked: number;
  /** Orders whose check was due. */
  due: number;
}

export interface DueWorkOptions {
  store: Pick<SessionStore, 'listDue'>;
  /** The due-index partitions this poller's shard reads, ascending (see `due-layout.ts`). */
  partitions: readonly number[];
  lease: Lease;
  /** The cycle's start, epoch ms. */
  now: number;
  maxAgeMs: number;
  counts: DueCounts;
  signal?: AbortSignal | undefined;
  /** Only the young band (the fast lane's rounds, see `tracker.ts`). Default false. */
  youngOnly?: boolean | undefined;
}

/** One band's pass in this cycle. */
interface Pass {
  startedAt: number;
  shard: number;
  after?: string | undefined;
  /** Places handed out, in pass order. */
  places: { shard: number; dueKey: string }[];
  finished: Set<number>;
  /** Every place up to this one is finished. */
  finishedThrough: number;
  /** The whole band was read. */
  read: boolean;
}

export class DueWork {
  private readonly passes: Pass[];

  constructor(private readonly options: DueWorkOptions) {
    const bands = options.youngOnly ? POLL_BANDS.slice(0, 1) : POLL_BANDS;
    this.passes = bands.map(({ stepMs }, band) => {
      // A band checked at every cycle starts over each cycle: none of it may skip a cycle.
      const pass = stepMs === 0 ? undefined : options.lease.bands[String(band)]?.pass;
      return {
        startedAt: pass?.startedAt ?? options.now,
        shard: pass?.shard ?? 0,
        after: pass?.after,
        places: [],
        finished: new Set(),
        finishedThrough: -1,
        read: false,
      };
    });
  }

  async *items(): AsyncGenerator<DueItem> {
    const { store, partitions, now, signal, counts } = this.options;
    for (const [band, pass] of this.passes.entries()) {
      const olderThan = POLL_BANDS[band - 1]?.untilAgeMs ?? 0;
      const youngerThan = POLL_BANDS[band]?.untilAgeMs ?? Number.POSITIVE_INFINITY;
      const range = {
        above: Number.isFinite(youngerThan) ? new Date(now - youngerThan).toISOString() : undefined,
        below: band > 0 ? new Date(now - olderThan).toISOString() : undefined,
      };
      for (const shard of partitions) {
        for await (const { order, dueKey } of store.listDue(
          { partition: shard, ...range },
          { signal },
        )) {
          counts.tracked++;
          if (doneInPass(pass, shard, dueKey)) continue;
          const item = this.judge(order, band);
          if (!item) continue;
          yield { ...item, place: pass.places.push({ shard, dueKey }) - 1 };
        }
      }
      pass.read = true;
    }
  }

  /** The item was dealt with (checked, failed or expired): its band's pass may move past it. */
  finish(item: DueItem): void {
    const pass = this.passes[item.band];
    if (!pass) return;
    pass.finished.add(item.place);
    while (pass.finished.has(pass.finishedThrough + 1)) pass.finishedThrough++;
  }

  /** Every band read whole and every item of it dealt with. */
  get complete(): boolean {
    return this.passes.every(isFinished);
  }

  /** What to keep in the lease: per band, the new cursor or the unfinished pass's place. */
  progress(): Record<string, BandProgress> {
    return Object.fromEntries(
      this.passes.map((pass, band) => {
        const cursor = this.options.lease.bands[String(band)]?.cursor;
        if (isFinished(pass)) return [String(band), { cursor: pass.startedAt }];
        const place = pass.places[pass.finishedThrough];
        const where = place ? { shard: place.shard, after: place.dueKey } : pass;
        return [
          String(band),
          {
            ...(cursor === undefined ? {} : { cursor }),
            pass: {
              startedAt: pass.startedAt,
              shard: where.shard,
              ...(where.after === undefined ? {} : { after: where.after }),
            },
          },
        ];
      }),
    );
  }

  private judge(order: OrderState, band: number): Omit<DueItem, 'place'> | undefined {
    const { now, maxAgeMs, lease, counts } = this.options;
    const since = Date.parse(order.trackedSince);
    if (now - since >= maxAgeMs) return { order, expire: true, band };
    if (!isDue(since, now, lease.bands[String(band)]?.cursor)) return undefined;
    counts.due++;
    return { order, expire: false, band };
  }
}

function isFinished(pass: Pass): boolean {
  return pass.read && pass.finishedThrough === pass.places.length - 1;
}

/** Read youngest first, partition by partition (ascending): the pass already did what comes before its place. */
function doneInPass(pass: Pass, shard: number, dueKey: string): boolean {
  if (shard !== pass.shard) return shard < pass.shard;
  return pass.after !== undefined && dueKey >= pass.after;
}
