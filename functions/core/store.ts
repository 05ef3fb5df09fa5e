/**
 * The tracker's state in the one table. Every write that belongs together is one conditional
 * write or one transaction, so a failure or a race never leaves half a transition behind.
 */
import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DueLayout } from './due-layout';
import type {
  HistoryEntry,
  OrderState,
  PaymentSession,
  SessionSnapshot,
  TrackingSource,
  TrackingState,
} from './model';
import type { StatusModel } from './status';
import {
  changedAtOf,
  DUE_INDEX,
  DUE_INDEX_PARTITION_KEY,
  DUE_INDEX_SORT_KEY,
  dueShardName,
  dueSortKey,
  ENTITY,
  ENTITY_ATTRIBUTE,
  HISTORY_INDEX_PARTITION_KEY,
  HISTORY_INDEX_SORT_KEY,
  historyIndexKeys,
  historySortKey,
  ORDER_INDEX_PARTITION_KEY,
  ORDER_INDEX_SORT_KEY,
  orderIndexKeys,
  orderKey,
  PARTITION_KEY,
  SORT_KEY,
  sessionPartOfEntry,
} from './table';
import { type OrderEnd, observe, orderEndEntry } from './transitions';
import { UpdateBuilder } from './update-expression';

/** Another writer changed the order since it was read; read it again and re-decide. */
export class StaleOrderError extends Error {
  override readonly name = 'StaleOrderError';
  constructor(readonly orderId: number) {
    super(`order ${orderId} changed while it was being recorded`);
  }
}

export interface SessionStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Shards of the due index's current layout (`POLL_SHARDS`, see `due-layout.ts`). Default 1. */
  pollShards?: number;
}

export interface TrackResult {
  /** False when the order was already being tracked (nothing was written). */
  started: boolean;
  order: OrderState;
}

export interface RecordResult {
  /** The history entries written; empty when nothing changed. */
  transitions: HistoryEntry[];
  /** Every session of the order has resolved. */
  orderResolved: boolean;
  /** Sessions whose observation was older than the recorded state: dropped, not recorded. */
  stale: number;
  /** The order's tracking state after this observation. */
  state: TrackingState;
  /** Every session of the order as recorded after this observation. */
  sessions: Record<string, SessionSnapshot>;
  /** Whether anything was written. */
  written: boolean;
}

export interface RecordOptions {
  /** When the request to OneEntry was sent; orders observations of equal `updatedDate`. */
  requestedAt?: Date | undefined;
  /** Cancels the write (the caller's deadline). */
  signal?: AbortSignal | undefined;
}

/** Part of one partition of the due index: keys above (younger than) and/or below (older than) a bound. */
export interface DueRange {
  partition: number;
  above?: string | undefined;
  below?: string | undefined;
}

export interface DueOrder {
  order: OrderState;
  /** The order's key in the due index: its place in the youngest-first order. */
  dueKey: string;
}

/** What a stop by hand says about itself; both end up in the entry and its event. */
export interface UntrackRequest {
  /** Why, in the requester's words. */
  reason?: string | undefined;
  /** Who asked. */
  requestedBy?: string | undefined;
}

export interface OrderRecord {
  order: OrderState;
  history: HistoryEntry[];
}

const ITEM_KEYS = [
  PARTITION_KEY,
  SORT_KEY,
  ENTITY_ATTRIBUTE,
  DUE_INDEX_PARTITION_KEY,
  DUE_INDEX_SORT_KEY,
  HISTORY_INDEX_PARTITION_KEY,
  HISTORY_INDEX_SORT_KEY,
  ORDER_INDEX_PARTITION_KEY,
  ORDER_INDEX_SORT_KEY,
];

function strip<T>(item: Record<string, unknown>): T {
  const copy = { ...item };
  for (const key of ITEM_KEYS) delete copy[key];
  return copy as T;
}

/** An order item as read from the table or an index, without the table's own attributes. */
export const orderStateOf = (item: Record<string, unknown>) => strip<OrderState>(item);

function isConflict(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  if (error instanceof TransactionCanceledException) {
    return (error.CancellationReasons ?? []).some(
      (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
    );
  }
  return false;
}

export class SessionStore {
  readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;
  /** How the due index is split among pollers. */
  readonly layout: DueLayout;

  constructor(options: SessionStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.layout = new DueLayout(options.client, options.tableName, options.pollShards ?? 1);
  }

  /**
   * Starts tracking an order. Idempotent: an order already tracked is left as it is. An order
   * that had resolved or expired starts a new tracking period (its history is kept). `source`
   * says who asked for this tracking period.
   */
  async trackOrder(
    orderId: number,
    now: Date = new Date(),
    source: TrackingSource = 'webhook',
  ): Promise<TrackResult> {
    const trackedSince = now.toISOString();
    const due = await this.dueIndexKeys(orderId, trackedSince);
    // A new tracking period is the order's newest change.
    const changed = orderIndexKeys(orderId, 'tracking', trackedSince);
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: orderKey(orderId),
          ConditionExpression: 'attribute_not_exists(#pk) OR #state <> :tracking',
          UpdateExpression:
            'SET #entity = :entity, orderId = :orderId, #state = :tracking, trackedSince = :since, ' +
            '#dueShard = :shard, #dueKey = :dueKey, #sessions = if_not_exists(#sessions, :empty), ' +
            '#version = if_not_exists(#version, :zero) + :one, createdAt = if_not_exists(createdAt, :since), ' +
            '#source = :source, #changeBucket = :changeBucket, #changeKey = :changeKey',
          ExpressionAttributeNames: {
            '#changeBucket': ORDER_INDEX_PARTITION_KEY,
            '#changeKey': ORDER_INDEX_SORT_KEY,
            '#pk': PARTITION_KEY,
            '#entity': ENTITY_ATTRIBUTE,
            '#state': 'state',
            '#dueShard': DUE_INDEX_PARTITION_KEY,
            '#dueKey': DUE_INDEX_SORT_KEY,
            '#sessions': 'sessions',
            '#version': 'version',
            '#source': 'source',
          },
          ExpressionAttributeValues: {
            ':source': source,
            ':changeBucket': changed[ORDER_INDEX_PARTITION_KEY],
            ':changeKey': changed[ORDER_INDEX_SORT_KEY],
            ':entity': ENTITY.order,
            ':orderId': orderId,
            ':tracking': 'tracking',
            ':since': trackedSince,
            ':shard': due[DUE_INDEX_PARTITION_KEY],
            ':dueKey': due[DUE_INDEX_SORT_KEY],
            ':empty': {},
            ':zero': 0,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
          // An order already tracked comes back with the refusal: no second read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { started: true, order: strip<OrderState>(result.Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || !error.Item) throw error;
      return { started: false, order: strip<OrderState>(unmarshall(error.Item)) };
    }
  }

  async getOrder(
    orderId: number,
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<OrderState | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: orderKey(orderId), ConsistentRead: true }),
      { abortSignal: options.signal },
    );
    return result.Item ? strip<OrderState>(result.Item) : undefined;
  }

  /** The order and its whole history, oldest first, in one paginated Query of its partition. */
  async readOrder(orderId: number): Promise<OrderRecord | undefined> {
    let order: OrderState | undefined;
    const history: HistoryEntry[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
          ExpressionAttributeValues: { ':pk': orderKey(orderId)[PARTITION_KEY] },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item[ENTITY_ATTRIBUTE] === ENTITY.order) order = strip<OrderState>(item);
        else if (item[ENTITY_ATTRIBUTE] === ENTITY.history) history.push(strip<HistoryEntry>(item));
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return order ? { order, history } : undefined;
  }

  /**
   * Every order being tracked, from the sparse due index (never a Scan), partition by partition. The
   * index is eventually consistent; writes are guarded by the order's version, so a stale
   * entry costs at most one failed condition.
   */
  async *listTracked(
    options: { signal?: AbortSignal | undefined } = {},
  ): AsyncGenerator<OrderState> {
    for (const partition of await this.layout.allPartitions(options.signal)) {
      for await (const { order } of this.listDue({ partition }, options)) yield order;
    }
  }

  /**
   * One partition of the due index, youngest first (by `dueKey`, which starts with
   * `trackedSince`), optionally only above or below a key. Read in pages, never a Scan.
   */
  async *listDue(
    range: DueRange,
    options: { pageSize?: number; signal?: AbortSignal | undefined } = {},
  ): AsyncGenerator<DueOrder> {
    // Bounds are instants (no `#`), never equal to a key: BETWEEN's inclusiveness is moot.
    const bound =
      range.above !== undefined && range.below !== undefined
        ? { condition: ' AND #key BETWEEN :above AND :below', values: range }
        : range.above !== undefined
          ? { condition: ' AND #key > :above', values: { above: range.above } }
          : range.below !== undefined
            ? { condition: ' AND #key < :below', values: { below: range.below } }
            : undefined;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: DUE_INDEX,
          KeyConditionExpression: `#shard = :shard${bound?.condition ?? ''}`,
          ExpressionAttributeNames: {
            '#shard': DUE_INDEX_PARTITION_KEY,
            ...(bound ? { '#key': DUE_INDEX_SORT_KEY } : {}),
          },
          ExpressionAttributeValues: {
            ':shard': dueShardName(range.partition),
            ...(bound?.values.above === undefined ? {} : { ':above': bound.values.above }),
            ...(bound?.values.below === undefined ? {} : { ':below': bound.values.below }),
          },
          ScanIndexForward: false,
          ExclusiveStartKey: start,
          Limit: options.pageSize ?? 500,
        }),
        { abortSignal: options.signal },
      );
      for (const item of page.Items ?? []) {
        const order = strip<OrderState>(item);
        if (order.state === 'tracking') yield { order, dueKey: String(item[DUE_INDEX_SORT_KEY]) };
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /**
   * Records what OneEntry reported for `order` (as read at `order.version`), in the order of
   * observations (see `transitions.ts`): what is older than the recorded state is dropped and
   * counted in `stale`. Unchanged statuses write nothing. Changes are one transaction: the
   * order item under a version condition plus one history entry per changed session. Throws
   * `StaleOrderError` if the order moved on meanwhile: the caller re-reads and re-decides, so
   * of two racing recorders exactly one writes each transition, and never an older one last.
   */
  async recordObservation(
    order: OrderState,
    sessions: readonly PaymentSession[],
    statuses: StatusModel,
    observedAt: Date = new Date(),
    options: RecordOptions = {},
  ): Promise<RecordResult> {
    const at = observedAt.toISOString();
    const requestedAt = (options.requestedAt ?? observedAt).toISOString();
    const { transitions, snapshots, stale, orderResolved, state } = observe(
      order,
      sessions,
      at,
      statuses,
      requestedAt,
    );
    const result = {
      transitions,
      orderResolved,
      stale,
      state,
      sessions: { ...order.sessions, ...snapshots },
    };
    const changedSnapshots = Object.entries(snapshots);
    if (changedSnapshots.length === 0 && state === order.state) {
      return { ...result, state: order.state, written: false };
    }
    const update = new UpdateBuilder()
      .whenEquals('version', order.version)
      .set('version', order.version + 1);
    if (transitions.length > 0) update.set('lastChangedAt', at);
    for (const [sessionId, snapshot] of changedSnapshots) {
      update.set(['sessions', sessionId], snapshot);
    }
    if (state !== order.state) {
      update.set('state', state);
      if (state === 'tracking') {
        // Tracked again (a reopened or new pending session): a new tracking period.
        update.set('trackedSince', at);
        const due = await this.dueIndexKeys(order.orderId, at);
        for (const [attribute, value] of Object.entries(due)) {
          update.set(attribute, value);
        }
      } else {
        update.remove(DUE_INDEX_PARTITION_KEY).remove(DUE_INDEX_SORT_KEY);
      }
    }
    if (transitions.length > 0 || state !== order.state) {
      const changedAt = changedAtOf({
        trackedSince: state !== order.state && state === 'tracking' ? at : order.trackedSince,
        lastChangedAt: transitions.length > 0 ? at : order.lastChangedAt,
      });
      for (const [attribute, value] of Object.entries(
        orderIndexKeys(order.orderId, state, changedAt),
      )) {
        update.set(attribute, value);
      }
    }
    await this.transact(
      order.orderId,
      [
        { Update: { TableName: this.tableName, Key: orderKey(order.orderId), ...update.build() } },
        ...transitions.map((entry) => this.putHistory(entry)),
      ],
      options.signal,
    );
    return { ...result, written: true };
  }

  /**
   * Ends tracking of an order that waited too long, with a history entry of its own. Returns
   * undefined when another writer changed the order first (it will be judged again).
   */
  async expireOrder(
    order: OrderState,
    statuses: StatusModel,
    observedAt: Date = new Date(),
    signal?: AbortSignal,
  ): Promise<HistoryEntry | undefined> {
    try {
      return await this.endTracking(
        order,
        { kind: 'expired', pending: (snapshot) => statuses.isPending(snapshot.status) },
        observedAt,
        signal,
      );
    } catch (error) {
      if (error instanceof StaleOrderError) return undefined;
      throw error;
    }
  }

  /**
   * Stops tracking an order by hand (`untracked`), with a history entry that says why and who
   * asked. One transaction, under the order's version and `tracking` state: throws
   * `StaleOrderError` when another writer (a poll, another stop) changed the order since
   * `order` was read; the caller re-reads and re-decides. Sessions count as pending as they
   * were recorded (`resolved`), so stopping needs no status settings.
   */
  async untrackOrder(
    order: OrderState,
    request: UntrackRequest = {},
    observedAt: Date = new Date(),
  ): Promise<HistoryEntry> {
    return this.endTracking(
      order,
      {
        kind: 'untracked',
        pending: (snapshot) => !snapshot.resolved,
        ...(request.reason === undefined ? {} : { reason: request.reason }),
        ...(request.requestedBy === undefined ? {} : { requestedBy: request.requestedBy }),
      },
      observedAt,
    );
  }

  /**
   * Ends the tracking period of `order` (read at `order.version`, still `tracking`) with an
   * order-wide entry of `end.kind`: the order leaves the due index (the poller stops) and moves
   * to the state of the same name. Throws `StaleOrderError` when the order moved on.
   */
  private async endTracking(
    order: OrderState,
    end: OrderEnd,
    observedAt: Date,
    signal?: AbortSignal,
  ): Promise<HistoryEntry> {
    const at = observedAt.toISOString();
    const entry = orderEndEntry(order, end, at);
    const { kind, seq } = entry;
    const changed = orderIndexKeys(order.orderId, kind, at);
    await this.transact(
      order.orderId,
      [
        {
          Update: {
            TableName: this.tableName,
            Key: orderKey(order.orderId),
            ConditionExpression: '#version = :expected AND #state = :tracking',
            UpdateExpression:
              'SET #version = :next, #state = :ended, lastChangedAt = :at, ' +
              '#changeBucket = :changeBucket, #changeKey = :changeKey REMOVE #dueShard, #dueKey',
            ExpressionAttributeNames: {
              '#changeBucket': ORDER_INDEX_PARTITION_KEY,
              '#changeKey': ORDER_INDEX_SORT_KEY,
              '#version': 'version',
              '#state': 'state',
              '#dueShard': DUE_INDEX_PARTITION_KEY,
              '#dueKey': DUE_INDEX_SORT_KEY,
            },
            ExpressionAttributeValues: {
              ':expected': order.version,
              ':next': seq,
              ':tracking': 'tracking',
              ':ended': kind,
              ':at': at,
              ':changeBucket': changed[ORDER_INDEX_PARTITION_KEY],
              ':changeKey': changed[ORDER_INDEX_SORT_KEY],
            },
          },
        },
        this.putHistory(entry),
      ],
      signal,
    );
    return entry;
  }

  private putHistory(entry: HistoryEntry) {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...orderKey(entry.orderId),
          [SORT_KEY]: historySortKey(entry.observedAt, sessionPartOfEntry(entry), entry.seq),
          [ENTITY_ATTRIBUTE]: ENTITY.history,
          ...historyIndexKeys(entry),
          ...entry,
        },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      },
    };
  }

  /** The attributes that put an order into the due index (its partition announced first). */
  private async dueIndexKeys(orderId: number, trackedSince: string) {
    await this.layout.announce();
    return {
      [DUE_INDEX_PARTITION_KEY]: dueShardName(this.layout.partitionOf(orderId)),
      [DUE_INDEX_SORT_KEY]: dueSortKey(trackedSince, orderId),
    };
  }

  private async transact(
    orderId: number,
    items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>,
    signal?: AbortSignal,
  ): Promise<void> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }), {
        abortSignal: signal,
      });
    } catch (error) {
      if (isConflict(error)) throw new StaleOrderError(orderId);
      throw error;
    }
  }
}
