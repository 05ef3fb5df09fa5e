/**
 * The one DynamoDB table, defined once. The CDK construct, the local runtime and the tests
 * all build their table from these constants, so the three can never drift apart.
 *
 * Item types (all under the order's partition, so one Query reads an order whole):
 *
 * | item     | pk                | sk                                         |
 * |----------|-------------------|--------------------------------------------|
 * | order    | `ORDER#<orderId>` | `ORDER`                                    |
 * | history  | `ORDER#<orderId>` | `HISTORY#<observedAt>#<sessionId>#<seq>`   |
 * | lease    | `LEASE#<name>`    | `LEASE`                                    |
 * | receipt  | `WEBHOOK#<id>`    | `RECEIPT`                                  |
 * | credentials | `CREDENTIALS#oneentry` | `CREDENTIALS`                       |
 * | discovery | `DISCOVERY#sessions` | `CHECKPOINT`                             |
 * | due layout | `LAYOUT#due`     | `LAYOUT`                                   |
 * | upstream budget | `BUDGET#oneentry` | `BUDGET`                              |
 *
 * The order item carries the current state of each of its sessions and a version that every
 * transition bumps. While an order is tracked it also carries the sparse `dueShard`/`dueKey`
 * pair, which puts it (and only it) into the `due` index: the poller queries that index
 * instead of scanning. Tracking ends by removing the pair.
 *
 * The credentials item is the deployment's one OneEntry sign-in (tokens, device, version);
 * see `oneentry/credential-store.ts`. The stream filter passes history items only, so it never
 * reaches the publisher.
 *
 * Indexes (all sparse: only the items that carry their keys are in them):
 *
 * | index             | partition key                                  | sort key                                         | holds                       |
 * |-------------------|------------------------------------------------|--------------------------------------------------|-----------------------------|
 * | `due`             | `dueShard` = `TRACKING#<orderId % POLL_SHARDS>` | `dueKey` = `<trackedSince>#<orderId>`             | orders being tracked        |
 * | `history-by-time` | `historyBucket` = `HISTORY#<yyyy-mm-ddThh>#<orderId % 4>` | `historyKey` = `<observedAt>#<orderId>#<session>#<seq>` | every history entry (ALL) |
 *
 * | `orders-by-change` | `changeBucket` = `ORDERS#<state>#<yyyy-mm-dd>#<orderId % 8>` | `changeKey` = `<changedAt>#<orderId>` | every order item (ALL) |
 *
 * `orders-by-change` answers "orders in a state, newest change first, within a time range"
 * (`GET /orders`, `npm run history -- --state`). An order's `changedAt` is its last change: the
 * later of its last transition (`lastChangedAt`) and the start of its tracking period
 * (`trackedSince`). Every store write that changes the state or that instant rewrites both keys
 * in the same conditional write, so the index can never disagree with the item for longer than
 * GSI propagation. Day buckets bound each partition in time (a listing walks back day by day,
 * newest first), and {@link ORDER_SHARDS} shards per state and day spread the day's writes: a
 * busy day of resolved orders is {@link ORDER_SHARDS} partitions, not one (each takes ~1,000
 * writes/s, so the index sustains ~8,000 state changes a second before it throttles; raise the
 * constant, never lower it, if that is ever too little: readers query every shard). A day costs
 * a listing {@link ORDER_SHARDS} small Queries per state, merged by `changeKey`. Order items
 * written before the index existed carry no keys until their next change.
 *
 * Stuck orders ("tracking since before T") come from the `due` index (keys below `T`), whose
 * items are then read whole by key: it already holds exactly the tracked orders, by age.
 *
 * `history-by-time` answers "history entries in a time range, in time order" (`npm run
 * republish -- --from/--to`, and any audit by time) without a Scan: one Query per hour and
 * shard in the range, merged by `historyKey`; kind or status filters are filter expressions on
 * the projected entry. Hour buckets keep each partition bounded in time; the shards spread one
 * busy hour's writes over {@link HISTORY_SHARDS} partitions, so no partition runs hot. The
 * price: a range costs {@link HISTORY_SHARDS} Queries per hour it spans, empty hours included
 * (a day is 96 small Queries). History entries written before the index existed carry no
 * bucket: `--order` still finds them.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { SessionPart } from './model';

export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';
export const DUE_INDEX = 'due';
export const DUE_INDEX_PARTITION_KEY = 'dueShard';
export const DUE_INDEX_SORT_KEY = 'dueKey';
export const HISTORY_INDEX = 'history-by-time';
export const HISTORY_INDEX_PARTITION_KEY = 'historyBucket';
export const HISTORY_INDEX_SORT_KEY = 'historyKey';
/** Partitions each hour of history is spread over, by order id. Fixed: readers query each. */
export const HISTORY_SHARDS = 4;
/** Characters of an ISO-8601 timestamp that name its hour (`2025-01-31T09`). */
const HOUR_PREFIX_LENGTH = 13;
export const ORDER_INDEX = 'orders-by-change';
export const ORDER_INDEX_PARTITION_KEY = 'changeBucket';
export const ORDER_INDEX_SORT_KEY = 'changeKey';
/** Partitions each state's day of order changes is spread over, by order id. Fixed: readers query each. */
export const ORDER_SHARDS = 8;
/** Characters of an ISO-8601 timestamp that name its day (`2025-01-31`). */
const DAY_PREFIX_LENGTH = 10;
const DAY_MS = 86_400_000;

/** Epoch seconds; DynamoDB's TTL deletes leases and webhook receipts after it passes. */
export const TTL_ATTRIBUTE = 'expiresAt';
/** Attribute that names the item type; the publisher's stream filter matches on it. */
export const ENTITY_ATTRIBUTE = 'entity';

export const ENTITY = {
  order: 'order',
  history: 'history',
  lease: 'lease',
  receipt: 'receipt',
  credentials: 'credentials',
  checkpoint: 'checkpoint',
  layout: 'layout',
  budget: 'budget',
} as const;

/**
 * Attributes the due index projects besides the keys: everything the poller needs to decide
 * and record, so a cycle reads nothing but the index.
 */
export const DUE_INDEX_PROJECTED_ATTRIBUTES = [
  'orderId',
  'state',
  'trackedSince',
  'sessions',
  'version',
] as const;

export const orderKey = (orderId: number) => ({
  [PARTITION_KEY]: `ORDER#${orderId}`,
  [SORT_KEY]: 'ORDER',
});

/** Zero-padded so entries observed at the same instant still sort by session, then sequence. */
export const historySortKey = (observedAt: string, sessionId: SessionPart, seq: number) =>
  `HISTORY#${observedAt}#${sessionPartOf(sessionId)}#${String(seq).padStart(6, '0')}`;

const sessionPartOf = (sessionId: SessionPart) =>
  typeof sessionId === 'number' ? String(sessionId).padStart(16, '0') : sessionId;

/** The session part of an entry: its session, or its kind when it concerns the whole order. */
export const sessionPartOfEntry = (entry: {
  sessionId: number | null;
  kind: string;
}): SessionPart => entry.sessionId ?? (entry.kind === 'untracked' ? 'untracked' : 'expired');

const historyBucketName = (hour: string, shard: number) => `HISTORY#${hour}#${shard}`;

/** The `history-by-time` keys of a history entry; the store writes them with the entry. */
export function historyIndexKeys(entry: {
  orderId: number;
  sessionId: number | null;
  kind: string;
  seq: number;
  observedAt: string;
}): Record<string, string> {
  const hour = entry.observedAt.slice(0, HOUR_PREFIX_LENGTH);
  return {
    [HISTORY_INDEX_PARTITION_KEY]: historyBucketName(hour, entry.orderId % HISTORY_SHARDS),
    [HISTORY_INDEX_SORT_KEY]: `${entry.observedAt}#${String(entry.orderId).padStart(16, '0')}#${sessionPartOf(sessionPartOfEntry(entry))}#${String(entry.seq).padStart(6, '0')}`,
  };
}

/** The `history-by-time` partitions that hold entries observed from `from` to `to`, oldest hour first, each hour's shards together. */
export function historyBucketsBetween(from: Date, to: Date): string[][] {
  const hours: string[][] = [];
  const start = new Date(from);
  start.setUTCMinutes(0, 0, 0);
  for (let hour = start.getTime(); hour <= to.getTime(); hour += 3_600_000) {
    const name = new Date(hour).toISOString().slice(0, HOUR_PREFIX_LENGTH);
    hours.push(
      Array.from({ length: HISTORY_SHARDS }, (_, shard) => historyBucketName(name, shard)),
    );
  }
  return hours;
}

const orderBucketName = (state: string, day: string, shard: number) =>
  `ORDERS#${state}#${day}#${shard}`;

/** An order's last change: the later of its last transition and the start of its tracking period. */
export function changedAtOf(order: { trackedSince: string; lastChangedAt?: string | undefined }) {
  return order.lastChangedAt !== undefined && order.lastChangedAt > order.trackedSince
    ? order.lastChangedAt
    : order.trackedSince;
}

/** The `orders-by-change` keys of an order in `state` whose last change was at `changedAt`. */
export function orderIndexKeys(
  orderId: number,
  state: string,
  changedAt: string,
): Record<string, string> {
  return {
    [ORDER_INDEX_PARTITION_KEY]: orderBucketName(
      state,
      changedAt.slice(0, DAY_PREFIX_LENGTH),
      orderId % ORDER_SHARDS,
    ),
    [ORDER_INDEX_SORT_KEY]: `${changedAt}#${String(orderId).padStart(16, '0')}`,
  };
}

/**
 * The `orders-by-change` partitions of `states` from the day of `newest` back to the day of
 * `oldest`, newest day first; each day's partitions (every state and shard) together.
 */
export function orderBucketsBetween(
  states: readonly string[],
  oldest: Date,
  newest: Date,
): { day: string; partitions: string[] }[] {
  const days: { day: string; partitions: string[] }[] = [];
  const first = new Date(oldest);
  first.setUTCHours(0, 0, 0, 0);
  for (let day = new Date(newest).setUTCHours(0, 0, 0, 0); day >= first.getTime(); day -= DAY_MS) {
    const name = new Date(day).toISOString().slice(0, DAY_PREFIX_LENGTH);
    days.push({
      day: name,
      partitions: states.flatMap((state) =>
        Array.from({ length: ORDER_SHARDS }, (_, shard) => orderBucketName(state, name, shard)),
      ),
    });
  }
  return days;
}

export const leaseKey = (name: string) => ({
  [PARTITION_KEY]: `LEASE#${name}`,
  [SORT_KEY]: 'LEASE',
});

export const receiptKey = (webhookId: string) => ({
  [PARTITION_KEY]: `WEBHOOK#${webhookId}`,
  [SORT_KEY]: 'RECEIPT',
});

export const credentialsKey = () => ({
  [PARTITION_KEY]: 'CREDENTIALS#oneentry',
  [SORT_KEY]: 'CREDENTIALS',
});

export const discoveryCheckpointKey = () => ({
  [PARTITION_KEY]: 'DISCOVERY#sessions',
  [SORT_KEY]: 'CHECKPOINT',
});

/** Due-index partition `partition`; which shard reads it depends on the layout (see `due-layout.ts`). */
export const dueShardName = (partition: number) => `TRACKING#${partition}`;

export const budgetKey = () => ({
  [PARTITION_KEY]: 'BUDGET#oneentry',
  [SORT_KEY]: 'BUDGET',
});

export const dueLayoutKey = () => ({
  [PARTITION_KEY]: 'LAYOUT#due',
  [SORT_KEY]: 'LAYOUT',
});

/**
 * An order's key in the due index: its tracking start first, so the index reads in order of
 * age, and any ISO-8601 instant is a bound between older and younger orders.
 */
export const dueSortKey = (trackedSince: string, orderId: number) => `${trackedSince}#${orderId}`;

/** The `CreateTable` input for DynamoDB Local and tests, equal in shape to the CDK table. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: SORT_KEY, AttributeType: 'S' },
      { AttributeName: DUE_INDEX_PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: DUE_INDEX_SORT_KEY, AttributeType: 'S' },
      { AttributeName: HISTORY_INDEX_PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: HISTORY_INDEX_SORT_KEY, AttributeType: 'S' },
      { AttributeName: ORDER_INDEX_PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: ORDER_INDEX_SORT_KEY, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: DUE_INDEX,
        KeySchema: [
          { AttributeName: DUE_INDEX_PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: DUE_INDEX_SORT_KEY, KeyType: 'RANGE' },
        ],
        Projection: {
          ProjectionType: 'INCLUDE',
          NonKeyAttributes: [...DUE_INDEX_PROJECTED_ATTRIBUTES],
        },
      },
      {
        IndexName: HISTORY_INDEX,
        KeySchema: [
          { AttributeName: HISTORY_INDEX_PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: HISTORY_INDEX_SORT_KEY, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: ORDER_INDEX,
        KeySchema: [
          { AttributeName: ORDER_INDEX_PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: ORDER_INDEX_SORT_KEY, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
  };
}
