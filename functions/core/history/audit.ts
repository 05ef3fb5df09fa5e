/**
 * The audit listings, without a Scan and without Lambda: orders in a state by last change,
 * stuck orders, and transitions in a time range. Each answers one page and an opaque cursor
 * for the next (`null` at the end); see `table.ts` for the indexes behind them.
 */

import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { DueLayout } from '../due-layout';
import type { HistoryKind, OrderState, TrackingState } from '../model';
import { orderStateOf } from '../store';
import {
  DUE_INDEX,
  DUE_INDEX_PARTITION_KEY,
  DUE_INDEX_SORT_KEY,
  dueShardName,
  HISTORY_INDEX,
  HISTORY_INDEX_PARTITION_KEY,
  HISTORY_INDEX_SORT_KEY,
  historyBucketsBetween,
  ORDER_INDEX,
  ORDER_INDEX_PARTITION_KEY,
  ORDER_INDEX_SORT_KEY,
  orderBucketsBetween,
  orderKey,
} from '../table';
import { type CursorState, decodeCursor, encodeCursor } from './cursor';
import { type IndexWalk, MAX_QUERIES_PER_PAGE, type WalkPage, walkIndex } from './index-walk';
import { entryFilter, toEntry } from './reader';
import { type OrderView, type TransitionView, toOrderView, toTransitionView } from './view';

/** Items per page: `limit` defaults to 100 and may be at most 1000. */
export const LISTING_LIMIT = { default: 100, max: 1000 } as const;
/** How far back an order listing reaches when `changedAfter` is not given. */
export const DEFAULT_LOOKBACK_DAYS = 90;
export const TRACKING_STATES: readonly TrackingState[] = [
  'tracking',
  'resolved',
  'expired',
  'untracked',
];

export interface ListingPage<T> {
  items: T[];
  nextCursor: string | null;
}

interface Paging {
  /** Default {@link LISTING_LIMIT}.default. */
  limit?: number | undefined;
  /** `nextCursor` of the previous page; it carries the time range of the first page. */
  cursor?: string | undefined;
}

export interface OrdersQuery extends Paging {
  /** Default: every state. */
  state?: TrackingState | undefined;
  /** Inclusive; default {@link DEFAULT_LOOKBACK_DAYS} before `changedBefore`. */
  changedAfter?: Date | undefined;
  /** Inclusive; default now. */
  changedBefore?: Date | undefined;
}

export interface StuckQuery extends Paging {
  /** Orders still tracked whose tracking started before this instant (exclusive). */
  trackedBefore: Date;
}

export interface TransitionsQuery extends Paging {
  /** Inclusive, on `observedAt`. */
  from: Date;
  /** Inclusive; default now. */
  to?: Date | undefined;
  statuses?: readonly string[] | undefined;
  kinds?: readonly HistoryKind[] | undefined;
}

export interface AuditQueriesOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Poller shards of the current layout (`POLL_SHARDS`); the partitions read are the layout's. Default 1. */
  pollShards?: number;
  now?: () => Date;
  /**
   * Queries one listing page may send before it answers with what it has and a cursor past
   * the buckets it read. Default {@link MAX_QUERIES_PER_PAGE}.
   */
  maxQueriesPerPage?: number;
}

/** What the last page read, for tests and benchmarks that check a page reads what it returns. */
export interface ReadStats {
  read: number;
  queries: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const BATCH_GET_MAX = 100;

export class AuditQueries {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly layout: DueLayout;
  private readonly now: () => Date;
  private readonly maxQueriesPerPage: number;
  /** What the last page read (Query items and requests). */
  lastRead: ReadStats = { read: 0, queries: 0 };

  constructor(options: AuditQueriesOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.layout = new DueLayout(options.client, options.tableName, options.pollShards ?? 1);
    this.now = options.now ?? (() => new Date());
    this.maxQueriesPerPage = options.maxQueriesPerPage ?? MAX_QUERIES_PER_PAGE;
  }

  /** Orders in `state` (or any), newest change first, within the range. */
  async orders(query: OrdersQuery): Promise<ListingPage<OrderView>> {
    const listing = `orders|${query.state ?? '*'}`;
    const range = this.rangeOf(listing, query.cursor, () => {
      const to = query.changedBefore ?? this.now();
      return {
        from: query.changedAfter ?? new Date(to.getTime() - DEFAULT_LOOKBACK_DAYS * DAY_MS),
        to,
      };
    });
    const startDay = range.position?.slice(0, 10);
    const days = orderBucketsBetween(
      query.state ? [query.state] : TRACKING_STATES,
      new Date(range.from),
      new Date(range.to),
    ).filter(({ day }) => startDay === undefined || day <= startDay);
    const page = await this.walk(listing, range, query.limit, {
      indexName: ORDER_INDEX,
      partitionKey: ORDER_INDEX_PARTITION_KEY,
      sortKey: ORDER_INDEX_SORT_KEY,
      descending: true,
      low: range.from,
      high: `${range.to}#~`,
      // Past the end of day D: every key of an earlier day sorts below its last millisecond.
      groups: days.map(({ day, partitions }) => ({
        partitions,
        end: `${new Date(Date.parse(`${day}T00:00:00.000Z`) - 1).toISOString()}#~`,
      })),
    });
    return { ...page, items: page.items.map((item) => toOrderView(orderStateOf(item))) };
  }

  /** Orders still tracked that started before `trackedBefore`, longest waiting first. */
  async stuck(query: StuckQuery): Promise<ListingPage<OrderView>> {
    const listing = 'stuck';
    const range = this.rangeOf(listing, query.cursor, () => ({
      from: new Date(0),
      to: query.trackedBefore,
    }));
    // Every partition any layout wrote to, not only the current layout's (see `due-layout.ts`).
    const partitions = (await this.layout.allPartitions()).map(dueShardName);
    const page = await this.walk(listing, range, query.limit, {
      indexName: DUE_INDEX,
      partitionKey: DUE_INDEX_PARTITION_KEY,
      sortKey: DUE_INDEX_SORT_KEY,
      descending: false,
      // Due keys are `<trackedSince>#<orderId>`: an order tracked at the bound sorts above it.
      high: range.to,
      groups: [
        {
          partitions,
          end: `${range.to}#~`,
        },
      ],
    });
    // The due index is eventually consistent and projects part of the order: read it whole.
    const orders = await this.readOrders(page.items.map((item) => Number(item.orderId)));
    const items = orders
      .filter((order) => order.state === 'tracking' && order.trackedSince < range.to)
      .map(toOrderView);
    return { ...page, items };
  }

  /** History entries observed within the range, oldest first, optionally by status or kind. */
  async transitions(query: TransitionsQuery): Promise<ListingPage<TransitionView>> {
    const listing = `transitions|${[...(query.statuses ?? [])].sort().join(',')}|${[...(query.kinds ?? [])].sort().join(',')}`;
    const range = this.rangeOf(listing, query.cursor, () => ({
      from: query.from,
      to: query.to ?? this.now(),
    }));
    const startHour = range.position?.slice(0, 13);
    const hours = historyBucketsBetween(new Date(range.from), new Date(range.to)).filter(
      (partitions) => startHour === undefined || (partitions[0] ?? '').slice(8, 21) >= startHour,
    );
    const filter = entryFilter({ statuses: query.statuses, kinds: query.kinds });
    const page = await this.walk(listing, range, query.limit, {
      indexName: HISTORY_INDEX,
      partitionKey: HISTORY_INDEX_PARTITION_KEY,
      sortKey: HISTORY_INDEX_SORT_KEY,
      descending: false,
      low: range.from,
      high: `${range.to}#~`,
      ...(filter ? { filter } : {}),
      // The start of the next hour: below every key of that hour (`<instant>#…`), above hour H's,
      // and a cursor there resumes at the next hour, not at the one just read.
      groups: hours.map((partitions) => {
        const hour = (partitions[0] ?? '').slice(8, 21);
        return {
          partitions,
          end: new Date(Date.parse(`${hour}:00:00.000Z`) + HOUR_MS).toISOString(),
        };
      }),
    });
    return { ...page, items: page.items.map((item) => toTransitionView(toEntry(item))) };
  }

  /** The range of a first page, or the one its cursor carries (throws `InvalidCursorError`). */
  private rangeOf(
    listing: string,
    cursor: string | undefined,
    first: () => { from: Date; to: Date },
  ): { from: string; to: string; position?: string } {
    if (cursor !== undefined) return decodeCursor(listing, cursor);
    const { from, to } = first();
    return { from: from.toISOString(), to: to.toISOString() };
  }

  private async walk(
    listing: string,
    range: { from: string; to: string; position?: string },
    limit: number | undefined,
    walk: Omit<IndexWalk, 'limit' | 'after'>,
  ): Promise<{ items: WalkPage['items']; nextCursor: string | null }> {
    const page = await walkIndex(this.client, this.tableName, {
      ...walk,
      after: range.position,
      limit: limit ?? LISTING_LIMIT.default,
      maxQueries: this.maxQueriesPerPage,
    });
    this.lastRead = { read: page.read, queries: page.queries };
    const next: CursorState | undefined =
      page.next === undefined ? undefined : { position: page.next, from: range.from, to: range.to };
    return { items: page.items, nextCursor: next ? encodeCursor(listing, next) : null };
  }

  /** The orders, read whole and consistently, in the order given. */
  private async readOrders(orderIds: readonly number[]): Promise<OrderState[]> {
    const found = new Map<number, OrderState>();
    for (let index = 0; index < orderIds.length; index += BATCH_GET_MAX) {
      let keys: Record<string, unknown>[] | undefined = orderIds
        .slice(index, index + BATCH_GET_MAX)
        .map((orderId) => orderKey(orderId));
      while (keys && keys.length > 0) {
        const result: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const order = orderStateOf(item);
          found.set(order.orderId, order);
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return orderIds.flatMap((orderId) => found.get(orderId) ?? []);
  }
}
