/**
 * The discovery sweep: pages through OneEntry's sessions list and starts tracking the orders of
 * sessions it has not seen, the way a webhook would. Webhooks are the fast path; this is the
 * safety net for the orders no webhook announced. Lambda-free: the discovery handler, the local
 * runtime and the tests drive it.
 *
 * Cost: a checkpoint (highest session id judged, the list's total and order) lets every sweep
 * read only what is new: `1 + ceil(new / pageSize)` list requests in either list order, plus one
 * by-order check per adopted order.
 */
import type { LeaseStore } from '../lease';
import type { PaymentSession } from '../model';
import type { SessionPage } from '../oneentry/client';
import { OneEntryError } from '../oneentry/errors';
import type { ClientLogger } from '../oneentry/http';
import type { SessionStore } from '../store';
import type { Tracker } from '../tracker';
import type { CheckpointStore, DiscoveryCheckpoint, ListOrder } from './checkpoint';

/** What discovery needs of the OneEntry client. */
export interface SessionLister {
  listSessions(
    offset: number,
    limit: number,
    options?: { signal?: AbortSignal },
  ): Promise<SessionPage>;
}

export interface DiscoverySettings {
  /** Sessions per list request. Default 100. */
  pageSize: number;
  /** On the first sweep, adopt sessions created in the last N hours. Default 0: none. */
  backfillHours: number;
  /** Stop when less invocation time than this is left, in ms. Default 10000. */
  timeMarginMs: number;
  /** Discovered orders checked at once. Default 8. */
  concurrency: number;
}

export const DEFAULT_DISCOVERY_SETTINGS: DiscoverySettings = {
  pageSize: 100,
  backfillHours: 0,
  timeMarginMs: 10_000,
  concurrency: 8,
};

export type SweepStatus = 'completed' | 'baseline' | 'lease-held' | 'time-budget' | 'failed';

export interface DiscoverySummary {
  status: SweepStatus;
  /** The list's order, as detected. */
  order?: ListOrder;
  /** List requests made. */
  pages: number;
  /** Sessions not judged before that the sweep saw. */
  newSessions: number;
  /** Orders whose tracking the sweep started. */
  discovered: number;
  /** List items that did not parse; skipped. */
  invalidItems: number;
  /** OneEntry counts more sessions than the service user may read. */
  truncated: boolean;
  /** OneEntry's count of sessions. */
  total: number;
  durationMs: number;
  /** The failure that ended the sweep, for `failed`. */
  error?: string;
}

export interface DiscoveryOptions {
  lister: SessionLister;
  store: Pick<SessionStore, 'getOrder' | 'trackOrder'>;
  tracker: Pick<Tracker, 'checkOrder'>;
  checkpoints: CheckpointStore;
  leases: LeaseStore;
  settings?: Partial<DiscoverySettings>;
  logger?: ClientLogger;
  now?: () => number;
}

/** Name of the lease sweeps take: one sweep at a time in the whole deployment. */
export const DISCOVERY_LEASE = 'discovery';

export const TRUNCATED_ADVICE =
  "OneEntry lists fewer payment sessions than it counts: the service user's group may read only a few. Grant the group read permission 'all' on payment sessions (Settings → Users → Groups → Modules) so discovery sees every session; it adopts the newest it can see meanwhile.";

export class DiscoverySweep {
  private readonly settings: DiscoverySettings;
  private readonly now: () => number;

  constructor(private readonly options: DiscoveryOptions) {
    this.settings = { ...DEFAULT_DISCOVERY_SETTINGS, ...options.settings };
    this.now = options.now ?? Date.now;
  }

  async run(run: { owner: string; remainingTimeMs: () => number }): Promise<DiscoverySummary> {
    const startedAt = this.now();
    const summary: DiscoverySummary = {
      status: 'completed',
      pages: 0,
      newSessions: 0,
      discovered: 0,
      invalidItems: 0,
      truncated: false,
      total: 0,
      durationMs: 0,
    };
    const { leases, checkpoints, logger } = this.options;
    const lease = await leases.acquire(
      DISCOVERY_LEASE,
      run.owner,
      startedAt,
      run.remainingTimeMs(),
    );
    if (!lease) return { ...summary, status: 'lease-held' };
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(),
      Math.max(0, run.remainingTimeMs() - this.settings.timeMarginMs),
    );
    const reader = new PageReader(
      this.options.lister,
      this.settings.pageSize,
      deadline.signal,
      summary,
    );
    try {
      const checkpoint = await checkpoints.read();
      const next = checkpoint
        ? await this.sweep(reader, checkpoint, summary)
        : await this.baseline(reader, summary);
      if (!(await checkpoints.write(next, checkpoint?.version))) {
        logger?.warn('Discovery checkpoint moved during the sweep; the next sweep reads again');
      }
      if (summary.truncated) logger?.warn(TRUNCATED_ADVICE, { total: summary.total });
    } catch (error) {
      if (!(error instanceof OneEntryError)) throw error;
      summary.status = deadline.signal.aborted ? 'time-budget' : 'failed';
      summary.error = error.message;
    } finally {
      clearTimeout(timer);
      await leases.release(lease);
      summary.durationMs = this.now() - startedAt;
    }
    return summary;
  }

  /** The first sweep: where the list stands now is the baseline, not news (unless backfilled). */
  private async baseline(
    reader: PageReader,
    summary: DiscoverySummary,
  ): Promise<Omit<DiscoveryCheckpoint, 'version'>> {
    summary.status = 'baseline';
    const first = await reader.page(0);
    const order = detectOrder(first) ?? 'newest-first';
    summary.order = order;
    const backfill = this.settings.backfillHours > 0;
    const cutoff = this.now() - this.settings.backfillHours * 3_600_000;
    const recent = (session: PaymentSession) =>
      backfill && Date.parse(session.createdDate) >= cutoff;
    // Without backfill only the newest page matters: it holds the highest id.
    const seen =
      order === 'newest-first'
        ? backfill
          ? await this.newestFirst(reader, recent, first)
          : first.sessions
        : await this.oldestFirst(reader, recent, first.total);
    const adoptable = seen.filter(recent);
    summary.newSessions = adoptable.length;
    await this.adopt(adoptable, reader.signal, summary);
    const at = new Date(this.now()).toISOString();
    return {
      highestSessionId: Math.max(0, ...seen.map((session) => session.id)),
      total: summary.total,
      order,
      baselineAt: at,
      sweptAt: at,
    };
  }

  private async sweep(
    reader: PageReader,
    checkpoint: DiscoveryCheckpoint,
    summary: DiscoverySummary,
  ): Promise<Omit<DiscoveryCheckpoint, 'version'>> {
    const highest = checkpoint.highestSessionId;
    const isNew = (session: PaymentSession) => session.id > highest;
    let order = checkpoint.order;
    let fresh =
      order === 'newest-first'
        ? await this.newestFirst(reader, isNew)
        : await this.oldestFirst(reader, isNew, checkpoint.total);
    const seenOrder = reader.lastOrder;
    if (seenOrder && seenOrder !== order) {
      // The list runs the other way than it did: read it again that way.
      order = seenOrder;
      fresh =
        order === 'newest-first'
          ? await this.newestFirst(reader, isNew)
          : await this.oldestFirst(reader, isNew, checkpoint.total);
    }
    summary.order = order;
    const newOnes = fresh.filter(isNew);
    summary.newSessions = newOnes.length;
    await this.adopt(newOnes, reader.signal, summary);
    return {
      highestSessionId: Math.max(highest, ...newOnes.map((session) => session.id)),
      total: summary.total,
      order,
      baselineAt: checkpoint.baselineAt,
      sweptAt: new Date(this.now()).toISOString(),
    };
  }

  /**
   * Newest first: pages from the top until a page holds a session that is not `wanted` (one
   * already judged, or one older than the backfill window). Sessions created meanwhile push
   * others down a page: they are seen twice and kept once.
   */
  private async newestFirst(
    reader: PageReader,
    wanted: (session: PaymentSession) => boolean,
    first?: SessionPage,
  ): Promise<PaymentSession[]> {
    const seen = new Map<number, PaymentSession>();
    let offset = 0;
    let page = first ?? (await reader.page(0));
    for (;;) {
      for (const session of page.sessions) seen.set(session.id, session);
      const reachedKnown = page.sessions.some((session) => !wanted(session));
      if (reachedKnown || reader.isLast(offset, page)) break;
      offset += page.served;
      page = await reader.page(offset);
    }
    return [...seen.values()];
  }

  /**
   * Oldest first: new sessions are at the end. Starts one page before where the list ended
   * last time, steps back while a page holds only new sessions (some were deleted), then pages
   * forward to the end.
   */
  private async oldestFirst(
    reader: PageReader,
    wanted: (session: PaymentSession) => boolean,
    knownTotal: number,
  ): Promise<PaymentSession[]> {
    const seen = new Map<number, PaymentSession>();
    const size = reader.pageSize;
    let offset = Math.max(0, knownTotal - size);
    let page = await reader.page(offset);
    if (page.served === 0 && offset > 0) {
      // Past what a capped reader may see: read what it can, from the start.
      offset = 0;
      page = await reader.page(0);
    }
    const start = { offset, page };
    for (const session of page.sessions) seen.set(session.id, session);
    while (offset > 0 && page.sessions.length > 0 && page.sessions.every(wanted)) {
      offset = Math.max(0, offset - size);
      page = await reader.page(offset);
      for (const session of page.sessions) seen.set(session.id, session);
    }
    ({ offset, page } = start);
    while (!reader.isLast(offset, page)) {
      offset += page.served;
      page = await reader.page(offset);
      for (const session of page.sessions) seen.set(session.id, session);
    }
    return [...seen.values()];
  }

  /** Starts tracking the order of each session, as the webhook does, unless it is known. */
  private async adopt(
    sessions: PaymentSession[],
    signal: AbortSignal,
    summary: DiscoverySummary,
  ): Promise<void> {
    const { store, tracker, logger } = this.options;
    const byOrder = new Map<number, PaymentSession[]>();
    for (const session of [...sessions].sort((a, b) => a.id - b.id)) {
      byOrder.set(session.orderId, [...(byOrder.get(session.orderId) ?? []), session]);
    }
    const queue = [...byOrder];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        if (signal.aborted) throw new DiscoveryDeadlineError();
        const [orderId, orderSessions] = next;
        const existing = await store.getOrder(orderId);
        if (existing?.state === 'tracking') continue; // the poller has it
        if (existing && orderSessions.every((session) => existing.sessions[String(session.id)])) {
          continue; // seen before this tracking period ended
        }
        const now = new Date(this.now());
        const { order, started } = await store.trackOrder(orderId, now, 'discovery');
        if (!started) continue; // a webhook got there first
        summary.discovered++;
        const result = await tracker.checkOrder(order, { signal });
        if (result.outcome === 'failed') {
          logger?.warn('Discovered order could not be checked yet; the poller will', {
            orderId,
            error: result.error?.message,
          });
        }
      }
    };
    await Promise.all(Array.from({ length: this.settings.concurrency }, worker));
  }
}

/** The sweep ran out of time between two adoptions. */
class DiscoveryDeadlineError extends OneEntryError {
  override readonly name = 'DiscoveryDeadlineError';
  constructor() {
    super('the discovery sweep ran out of time');
  }
}

/** The order a page runs in, when it holds two sessions to compare. */
function detectOrder(page: SessionPage): ListOrder | undefined {
  const ids = page.sessions.map((session) => session.id);
  if (ids.length < 2) return undefined;
  return (ids[0] ?? 0) > (ids.at(-1) ?? 0) ? 'newest-first' : 'oldest-first';
}

/** Reads pages, counting requests, invalid items and truncation into the summary. */
class PageReader {
  /** The order the last page with two sessions ran in. */
  lastOrder: ListOrder | undefined;

  constructor(
    private readonly lister: SessionLister,
    readonly pageSize: number,
    readonly signal: AbortSignal,
    private readonly summary: DiscoverySummary,
  ) {}

  async page(offset: number): Promise<SessionPage> {
    const page = await this.lister.listSessions(offset, this.pageSize, { signal: this.signal });
    this.summary.pages++;
    this.summary.invalidItems += page.invalid;
    this.summary.total = page.total;
    this.lastOrder = detectOrder(page) ?? this.lastOrder;
    if (page.served < this.pageSize && offset + page.served < page.total) {
      this.summary.truncated = true;
    }
    return page;
  }

  /** Nothing after this page: it was short, or it reached the total. */
  isLast(offset: number, page: SessionPage): boolean {
    return page.served < this.pageSize || offset + page.served >= page.total;
  }
}
