/**
 * The tracker: checks orders against OneEntry and records what changed. Knows nothing of
 * Lambda: the poller and webhook handlers, the local runtime and the tests all drive it.
 */

import { type DueItem, DueWork } from './due-work';
import type { Lease, LeaseStore } from './lease';
import type { HistoryEntry, OrderState, PaymentSession, SessionSnapshot } from './model';
import { OneEntryError } from './oneentry/errors';
import { type ClientLogger, sleep } from './oneentry/http';
import type { StatusModel } from './status';
import { type SessionStore, StaleOrderError } from './store';

/** Where sessions come from: the OneEntry client, or anything that reads like it. */
export interface SessionSource {
  getSessionsByOrderId(orderId: number, options?: CheckOptions): Promise<PaymentSession[]>;
}

/** The caller's deadline, as a signal and as a time; both reach every call a check makes. */
export interface CheckOptions {
  /** Aborts the upstream call (retries and backoff included) and the table calls. */
  signal?: AbortSignal | undefined;
  /** Epoch ms when the signal fires: a retry that could only start later is not tried. */
  deadlineAt?: number | undefined;
}

/** A signal that fires in `budgetMs`, with the time it fires. */
export function deadlineIn(budgetMs: number): Required<CheckOptions> {
  const ms = Math.max(0, budgetMs);
  return { signal: AbortSignal.timeout(ms), deadlineAt: Date.now() + ms };
}

export interface TrackerSettings {
  /** Upstream checks in flight at once. Default 16. */
  concurrency: number;
  /**
   * Lambda time kept for the cycle's own end (lease, summary, metrics), in ms: when only this
   * much is left, in-flight checks are cancelled and none is started. Default 10000.
   */
  timeMarginMs: number;
  /** Calls a cycle makes before it may judge the upstream down. Default 10. */
  circuitMinCalls: number;
  /** Failure ratio over which the cycle stops early. Default 0.5. */
  circuitFailureRatio: number;
  /** Hours after which an unresolved order stops being tracked. Default 24. */
  maxTrackingHours: number;
  /**
   * The fast lane: after its pass, a cycle checks the young band again every this many ms
   * until the next cycle is due. 0 turns it off. Default 0.
   */
  fastPollMs: number;
  /** Ms between the starts of two cycles (Scheduler's rate): where the fast lane stops. Default 60000. */
  cycleIntervalMs: number;
}

export const DEFAULT_TRACKER_SETTINGS: TrackerSettings = {
  concurrency: 16,
  timeMarginMs: 10_000,
  circuitMinCalls: 10,
  circuitFailureRatio: 0.5,
  maxTrackingHours: 24,
  fastPollMs: 0,
  cycleIntervalMs: 60_000,
};

export interface TrackerOptions {
  store: SessionStore;
  leases: LeaseStore;
  source: SessionSource;
  statuses: StatusModel;
  settings?: Partial<TrackerSettings>;
  logger?: ClientLogger;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

export type CheckOutcome = 'unchanged' | 'changed' | 'resolved' | 'failed';

export interface CheckResult {
  orderId: number;
  outcome: CheckOutcome;
  /** The sessions as recorded after this check (as known before it, when the check failed). */
  sessions: { sessionId: number; status: string }[];
  /** Whether the order is still tracked after this check. */
  tracking: boolean;
  transitions: HistoryEntry[];
  /** Sessions whose observation was older than the recorded state, and was dropped. */
  stale: number;
  /** The upstream failure, when `outcome` is `failed`. */
  error?: OneEntryError;
}

export type CycleStatus =
  | 'completed'
  | 'lease-held'
  | 'time-budget'
  | 'circuit-open'
  /** OneEntry credentials not configured yet: nothing to do, nothing wrong. */
  | 'not-configured'
  /** OneEntry refuses the deployment's credentials: a person must act. */
  | 'auth-failing';

export interface CycleSummary {
  status: CycleStatus;
  /**
   * Orders in the due index: counted where a band was read whole, estimated where a large
   * band was read by its due ranges (see `due-work.ts`).
   */
  tracked: number;
  /** Orders read from the due index: every tracked one, or about the due ones. */
  read: number;
  /** Orders whose check was due this cycle. */
  due: number;
  checked: number;
  unchanged: number;
  /** Checks that recorded at least one transition. */
  changed: number;
  /** History entries written by checks (transitions of sessions). */
  transitions: number;
  /** Sessions that resolved. */
  resolved: number;
  /** Orders whose tracking expired. */
  expired: number;
  /** Observations of sessions dropped because the table already held a newer one. */
  stale: number;
  /** Checks that failed (upstream or store). */
  errors: number;
  /** Checks cancelled in flight because the cycle's deadline came. */
  cancelled: number;
  upstreamCalls: number;
  upstreamFailures: number;
  /** Rounds of the fast lane over the young band after the pass. */
  fastRounds: number;
  durationMs: number;
}

/** A recorder racing others re-reads and re-decides; a handful of rounds always settles it. */
const MAX_RECORD_ROUNDS = 8;
/**
 * Name of the lease the poll cycles of `shard` take: one per shard of a layout, so a shard's
 * lease never blocks another shard, and a new layout never resumes an old layout's passes.
 * A layout of one shard keeps the name it had before sharding.
 */
export function pollerLeaseName(shard: number, shards: number): string {
  return shards === 1 ? 'poller' : `poller#${shard}of${shards}`;
}

export class Tracker {
  private readonly settings: TrackerSettings;
  private readonly now: () => number;
  private readonly logger: ClientLogger | undefined;

  constructor(private readonly options: TrackerOptions) {
    this.settings = { ...DEFAULT_TRACKER_SETTINGS, ...options.settings };
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
  }

  /**
   * Checks one order now and records any transition. Upstream failures come back as a
   * `failed` result (the order stays tracked); store failures are thrown. `signal` (the
   * caller's deadline) cancels the upstream call, its retries and the table calls.
   */
  async checkOrder(target: number | OrderState, options: CheckOptions = {}): Promise<CheckResult> {
    const { store, source, statuses } = this.options;
    const { signal } = options;
    let order = typeof target === 'number' ? await store.getOrder(target, { signal }) : target;
    const orderId = typeof target === 'number' ? target : target.orderId;
    if (!order) throw new RangeError(`order ${orderId} is not tracked`);
    const requestedAt = new Date(this.now());
    let sessions: PaymentSession[];
    try {
      sessions = await source.getSessionsByOrderId(orderId, options);
    } catch (error) {
      if (!(error instanceof OneEntryError)) throw error;
      return {
        orderId,
        outcome: 'failed',
        sessions: snapshotList(order.sessions),
        tracking: order.state === 'tracking',
        transitions: [],
        stale: 0,
        error,
      };
    }
    for (let round = 1; ; round++) {
      try {
        const result = await store.recordObservation(
          order,
          sessions,
          statuses,
          new Date(this.now()),
          { requestedAt, signal },
        );
        const outcome: CheckOutcome = result.transitions.some((entry) => entry.resolved)
          ? 'resolved'
          : result.transitions.length > 0
            ? 'changed'
            : 'unchanged';
        return {
          orderId,
          outcome,
          sessions: snapshotList(result.sessions),
          tracking: result.state === 'tracking',
          transitions: result.transitions,
          stale: result.stale,
        };
      } catch (error) {
        if (!(error instanceof StaleOrderError) || round >= MAX_RECORD_ROUNDS) throw error;
        // Re-decide with the fresh state: what this check saw may now be older than it.
        const fresh = await store.getOrder(orderId, { signal });
        if (!fresh) throw error;
        order = fresh;
      }
    }
  }

  /**
   * One poll cycle of one shard (default 0): take the shard's lease, check every due order of
   * its partitions with bounded concurrency, expire those tracked too long, stop early when
   * time runs short or the upstream looks down.
   */
  async runCycle(run: {
    owner: string;
    remainingTimeMs: () => number;
    shard?: number | undefined;
  }): Promise<CycleSummary> {
    const startedAt = this.now();
    const summary = emptyCycleSummary('completed');
    const { layout } = this.options.store;
    const shard = run.shard ?? 0;
    const partitions = await layout.partitionsOf(shard);
    const lease = await this.options.leases.acquire(
      pollerLeaseName(shard, layout.shards),
      run.owner,
      startedAt,
      run.remainingTimeMs(),
    );
    if (!lease) {
      summary.status = 'lease-held';
      return summary;
    }
    // One deadline for the whole cycle: it reaches every upstream attempt, backoff sleep and
    // table call, so the cycle ends (and reports) with the margin still left.
    const deadline = deadlineIn(run.remainingTimeMs() - this.settings.timeMarginMs);
    const { signal } = deadline;
    const due = new DueWork({
      store: this.options.store,
      partitions,
      lease,
      now: startedAt,
      maxAgeMs: this.settings.maxTrackingHours * 3_600_000,
      counts: summary,
      signal,
    });
    let stop: CycleStatus | undefined;
    try {
      stop = await this.work(due, summary, deadline, run);
      stop ??= signal.aborted || !due.complete ? 'time-budget' : undefined;
      stop ??= await this.fastLane({ startedAt, partitions, lease, summary, deadline, run });
    } finally {
      summary.status = stop ?? 'completed';
      // The release is not bound to the cycle's signal: it runs in the margin kept for it.
      await this.options.leases.release(lease, due.progress());
      summary.durationMs = this.now() - startedAt;
    }
    return summary;
  }

  /**
   * Works through `due` with the cycle's concurrency. Returns why it stopped early, if it did.
   */
  private async work(
    due: DueWork,
    summary: CycleSummary,
    deadline: Required<CheckOptions>,
    run: { remainingTimeMs: () => number },
  ): Promise<CycleStatus | undefined> {
    const { signal } = deadline;
    const work = due.items();
    let stop: CycleStatus | undefined;
    const worker = async () => {
      for (;;) {
        if (stop) return;
        if (signal.aborted || run.remainingTimeMs() < this.settings.timeMarginMs) {
          stop = 'time-budget';
          return;
        }
        let next: IteratorResult<DueItem>;
        try {
          next = await work.next();
        } catch (error) {
          if (!signal.aborted) throw error;
          stop = 'time-budget';
          return;
        }
        if (next.done) return;
        if (await this.handle(next.value, summary, deadline)) due.finish(next.value);
        if (
          summary.upstreamCalls >= this.settings.circuitMinCalls &&
          summary.upstreamFailures / summary.upstreamCalls > this.settings.circuitFailureRatio
        ) {
          stop ??= 'circuit-open';
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: this.settings.concurrency }, worker));
    } finally {
      await work.return(undefined);
    }
    return stop;
  }

  /**
   * The fast lane: once the pass is done, the young band (where most payments resolve) is
   * checked again every `fastPollMs` while the lease is held, until a round could no longer
   * end before the next cycle starts (which then finds the lease free) or the invocation's
   * time runs short. Older bands keep their grid. Returns a status only when it stops the
   * cycle for a reason of its own (the upstream looks down).
   */
  private async fastLane(cycle: {
    startedAt: number;
    partitions: readonly number[];
    lease: Lease;
    summary: CycleSummary;
    deadline: Required<CheckOptions>;
    run: { remainingTimeMs: () => number };
  }): Promise<CycleStatus | undefined> {
    const { fastPollMs, cycleIntervalMs, timeMarginMs } = this.settings;
    if (fastPollMs <= 0) return undefined;
    const { startedAt, partitions, lease, summary, deadline, run } = cycle;
    for (let round = 1; ; round++) {
      const at = startedAt + round * fastPollMs;
      if (at + fastPollMs > startedAt + cycleIntervalMs) return undefined;
      try {
        await sleep(Math.max(0, at - this.now()), deadline.signal);
      } catch {
        return undefined; // the invocation's time is up: the lane just ends
      }
      if (run.remainingTimeMs() < timeMarginMs) return undefined;
      const young = new DueWork({
        store: this.options.store,
        partitions,
        // Young orders are checked at every round: no cursor to keep, nothing to resume.
        lease: { ...lease, bands: {} },
        now: this.now(),
        maxAgeMs: this.settings.maxTrackingHours * 3_600_000,
        counts: { tracked: 0, read: 0, due: 0 },
        signal: deadline.signal,
        youngOnly: true,
      });
      const stop = await this.work(young, summary, deadline, run);
      summary.fastRounds++;
      if (stop === 'circuit-open') return stop;
      if (stop) return undefined;
    }
  }

  /** Checks or expires one due order. False when the deadline cancelled it. */
  private async handle(
    { order, expire }: DueItem,
    summary: CycleSummary,
    deadline: Required<CheckOptions>,
  ): Promise<boolean> {
    const { signal } = deadline;
    try {
      if (expire) {
        const at = new Date(this.now());
        if (await this.options.store.expireOrder(order, this.options.statuses, at, signal)) {
          summary.expired++;
        }
        return true;
      }
      summary.upstreamCalls++;
      const result = await this.checkOrder(order, deadline);
      if (result.outcome === 'failed' && signal.aborted) {
        summary.upstreamCalls--; // cancelled by the deadline, not a call OneEntry failed
        summary.cancelled++;
        return false;
      }
      summary.checked++;
      this.count(summary, result);
    } catch (error) {
      if (signal.aborted) {
        if (!expire) summary.upstreamCalls--;
        summary.cancelled++;
        return false;
      }
      summary.errors++;
      this.logger?.error('Order check failed', {
        orderId: order.orderId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return true;
  }

  private count(summary: CycleSummary, result: CheckResult): void {
    if (result.outcome === 'failed') {
      summary.upstreamFailures++;
      summary.errors++;
      this.logger?.warn('OneEntry check failed', {
        orderId: result.orderId,
        error: result.error?.message,
        errorType: result.error?.name,
      });
      return;
    }
    summary.stale += result.stale;
    if (result.outcome === 'unchanged') summary.unchanged++;
    else summary.changed++;
    summary.transitions += result.transitions.length;
    summary.resolved += result.transitions.filter((entry) => entry.resolved).length;
  }
}

/** A cycle that did nothing (yet). */
export function emptyCycleSummary(status: CycleStatus): CycleSummary {
  return {
    status,
    tracked: 0,
    read: 0,
    due: 0,
    checked: 0,
    unchanged: 0,
    changed: 0,
    transitions: 0,
    resolved: 0,
    expired: 0,
    stale: 0,
    errors: 0,
    cancelled: 0,
    upstreamCalls: 0,
    upstreamFailures: 0,
    fastRounds: 0,
    durationMs: 0,
  };
}

/**
 * The cycles of several shards as one: counts add up, the duration is the longest, and the
 * status is the first that is not `completed` (all `completed` otherwise).
 */
export function combineCycleSummaries(summaries: readonly CycleSummary[]): CycleSummary {
  const combined = emptyCycleSummary(
    summaries.find((summary) => summary.status !== 'completed')?.status ?? 'completed',
  );
  for (const summary of summaries) {
    for (const key of Object.keys(combined) as (keyof CycleSummary)[]) {
      if (key === 'status') continue;
      combined[key] =
        key === 'durationMs' ? Math.max(combined[key], summary[key]) : combined[key] + summary[key];
    }
  }
  return combined;
}

function snapshotList(
  sessions: Record<string, SessionSnapshot> | undefined,
): { sessionId: number; status: string }[] {
  return Object.entries(sessions ?? {}).map(([sessionId, snapshot]) => ({
    sessionId: Number(sessionId),
    status: snapshot.status,
  }));
}
