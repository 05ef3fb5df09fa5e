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
 *
 * A large older band is not read whole: only the `trackedSince` ranges where its orders can be
 * due since the cursor (`dueRanges`, a fifteenth of the oldest band per minute), so reads
 * follow the due orders, not every tracked one. A small band is read whole, which is cheaper
 * than a Query per range; the band's size, kept in the lease, decides.
 */
import type { BandProgress, Lease } from './lease';
import type { OrderState } from './model';
import { dueRanges, isDue, POLL_BANDS, type TrackedRange } from './schedule';
import type { SessionStore } from './store';

/**
 * A whole read of the due index costs a read unit per 4 KB, about this many orders; a Query of
 * one range costs at least half a unit, however little it finds. A band read by ranges needs
 * this many orders per range to be the cheaper read.
 */
const ORDERS_PER_RANGE_QUERY = 20;

export interface DueItem {
  order: OrderState;
  /** Tracked longer than the limit: expire it instead of checking it. */
  expire: boolean;
  band: number;
  /** The item's place in its band's pass. */
  place: number;
}

export interface DueCounts {
  /** Orders in the due index: counted in bands read whole, estimated in bands read by ranges. */
  tracked: number;
  /** Orders read from the due index. */
  read: number;
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
  /** Orders read from the band in this cycle. */
  readCount: number;
  /** How the band is read in this cycle: whole, or only these ranges. */
  ranges?: TrackedRange[] | undefined;
  /** The band's cursor and size as the lease had them. */
  cursor?: number | undefined;
  lastSize?: number | undefined;
}

export class DueWork {
  private readonly passes: Pass[];

  constructor(private readonly options: DueWorkOptions) {
    const bands = options.youngOnly ? POLL_BANDS.slice(0, 1) : POLL_BANDS;
    this.passes = bands.map(({ stepMs }, band) => {
      // A band checked at every cycle starts over each cycle: none of it may skip a cycle.
      const progress = options.lease.bands[String(band)];
      const pass = stepMs === 0 ? undefined : progress?.pass;
      const ranges = dueRanges(band, options.now, progress?.cursor, options.maxAgeMs);
      const worthIt =
        ranges !== undefined && (progress?.size ?? 0) >= ranges.length * ORDERS_PER_RANGE_QUERY;
      return {
        startedAt: pass?.startedAt ?? options.now,
        shard: pass?.shard ?? 0,
        after: pass?.after,
        places: [],
        finished: new Set(),
        finishedThrough: -1,
        read: false,
        readCount: 0,
        ranges: worthIt ? ranges : undefined,
        cursor: progress?.cursor,
        lastSize: progress?.size,
      };
    });
  }

  async *items(): AsyncGenerator<DueItem> {
    const { store, partitions, now, signal, counts } = this.options;
    for (const [band, pass] of this.passes.entries()) {
      const olderThan = POLL_BANDS[band - 1]?.untilAgeMs ?? 0;
      const youngerThan = POLL_BANDS[band]?.untilAgeMs ?? Number.POSITIVE_INFINITY;
      const whole = { after: now - youngerThan, through: band > 0 ? now - olderThan : Infinity };
      const reads = (pass.ranges ?? [whole]).flatMap((range) => {
        const bounds = {
          after: Math.max(range.after, whole.after),
          through: Math.min(range.through, whole.through),
        };
        return bounds.after < bounds.through ? [keyBounds(bounds)] : [];
      });
      for (const shard of partitions) {
        // Youngest first within the partition, as the pass's place assumes.
        for (const range of reads) {
          for await (const { order, dueKey } of store.listDue(
            { partition: shard, ...range },
            { signal },
          )) {
            counts.read++;
            pass.readCount++;
            if (doneInPass(pass, shard, dueKey)) continue;
            const item = this.judge(order, band);
            if (!item) continue;
            yield { ...item, place: pass.places.push({ shard, dueKey }) - 1 };
          }
        }
      }
      pass.read = true;
      counts.tracked += this.sizeOf(band, pass) ?? 0;
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
        const { cursor } = pass;
        const size = this.sizeOf(band, pass);
        const known = size === undefined ? {} : { size };
        if (isFinished(pass)) return [String(band), { cursor: pass.startedAt, ...known }];
        const place = pass.places[pass.finishedThrough];
        const where = place ? { shard: place.shard, after: place.dueKey } : pass;
        return [
          String(band),
          {
            ...(cursor === undefined ? {} : { cursor }),
            ...known,
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

  /**
   * The band's size: counted when this cycle read it whole (a resumed pass reads it whole too,
   * and skips what it did), estimated from a read of its due ranges (each order is due once a
   * step; the ranges span the gap since the cursor per step), as the lease had it otherwise.
   */
  private sizeOf(band: number, pass: Pass): number | undefined {
    if (!pass.read) return pass.lastSize;
    if (!pass.ranges) return pass.readCount;
    const stepMs = POLL_BANDS[band]?.stepMs ?? 0;
    const gap = pass.cursor === undefined ? 0 : this.options.now - pass.cursor;
    return gap > 0 ? Math.round((pass.readCount * stepMs) / gap) : pass.lastSize;
  }

  private judge(order: OrderState, band: number): Omit<DueItem, 'place'> | undefined {
    const { now, maxAgeMs, counts } = this.options;
    const since = Date.parse(order.trackedSince);
    if (now - since >= maxAgeMs) return { order, expire: true, band };
    if (!isDue(since, now, this.passes[band]?.cursor)) return undefined;
    counts.due++;
    return { order, expire: false, band };
  }
}

/** A `trackedSince` range as bounds of the due index's keys (`trackedSince#orderId`). */
function keyBounds(range: TrackedRange): { above?: string; below?: string } {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    // A key sorts above its bare instant: one tracked at `after` is read, one at `through` is
    // not, which the ranges' millisecond of margin (and the bands' exact edges) allow for.
    ...(Number.isFinite(range.after) ? { above: iso(range.after) } : {}),
    ...(Number.isFinite(range.through) ? { below: iso(range.through) } : {}),
  };
}

function isFinished(pass: Pass): boolean {
  return pass.read && pass.finishedThrough === pass.places.length - 1;
}

/** Read youngest first, partition by partition (ascending): the pass already did what comes before its place. */
function doneInPass(pass: Pass, shard: number, dueKey: string): boolean {
  if (shard !== pass.shard) return shard < pass.shard;
  return pass.after !== undefined && dueKey >= pass.after;
}
