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
 *
 * The order item carries the current state of each of its sessions and a version that every
 * transition bumps. While an order is tracked it also carries the sparse `dueShard`/`dueKey`
 * pair, which puts it (and only it) into the `due` index: the poller queries that index
 * instead of scanning. Tracking ends by removing the pair.
 *
 * The credentials item is the deployment's one OneEntry sign-in (tokens, device, version);
 * see `oneentry/credential-store.ts`. The stream filter passes history items only, so it never
 * reaches the publisher.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';
export const DUE_INDEX = 'due';
export const DUE_INDEX_PARTITION_KEY = 'dueShard';
export const DUE_INDEX_SORT_KEY = 'dueKey';
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
export const historySortKey = (observedAt: string, sessionId: number | 'expired', seq: number) =>
  `HISTORY#${observedAt}#${typeof sessionId === 'number' ? String(sessionId).padStart(16, '0') : sessionId}#${String(seq).padStart(6, '0')}`;

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

export const dueShardName = (shard: number) => `TRACKING#${shard}`;

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
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
  };
}
