/**
 * A lease in the table so that overlapping poller invocations never work on the same orders.
 * It also keeps the poller's place in each band of order age: the cursor (the start of the
 * band's last pass that finished all its due work) and how far an unfinished pass got.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ENTITY, ENTITY_ATTRIBUTE, leaseKey, TTL_ATTRIBUTE } from './table';
import { UpdateBuilder } from './update-expression';

export interface Lease {
  name: string;
  owner: string;
  /** Epoch ms until which the lease is held. */
  until: number;
  /** Where the poller stands in each band of order age (keyed by the band's index). */
  bands: Record<string, BandProgress>;
}

/**
 * Where the poller stands in one band of order age (see `due-work.ts`).
 */
export interface BandProgress {
  /** Epoch ms; every check of the band due up to it was done. Absent before its first full pass. */
  cursor?: number | undefined;
  /** The band's pass that a cut-short cycle left unfinished, if any. */
  pass?: PassProgress | undefined;
  /**
   * Orders in the band (this shard's partitions) when last read whole, or as estimated from a
   * read of its due ranges: whether the next cycle reads the band whole or its due ranges.
   */
  size?: number | undefined;
}

/**
 * How far a pass over a band got. A pass reads the band's part of the due index youngest
 * first, partition by partition in ascending order: everything before partition `shard`, and
 * in `shard` every key from `after` up, is done.
 */
export interface PassProgress {
  /** Epoch ms: the start of the cycle that began the pass (the band's cursor once it ends). */
  startedAt: number;
  /** The due-index partition the pass is in. */
  shard: number;
  /** Due-index key of the last order done in `shard`; none yet when absent. */
  after?: string | undefined;
}

/** Lease items outlive their use by a day, then DynamoDB's TTL removes them. */
const LEASE_RETENTION_SECONDS = 24 * 60 * 60;

export class LeaseStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Takes the lease if it is free or has lapsed. Undefined when someone else holds it. */
  async acquire(
    name: string,
    owner: string,
    now: number,
    durationMs: number,
  ): Promise<Lease | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leaseKey(name),
          ConditionExpression: 'attribute_not_exists(#owner) OR #until < :now OR #owner = :owner',
          UpdateExpression: 'SET #entity = :entity, #owner = :owner, #until = :until, #ttl = :ttl',
          ExpressionAttributeNames: {
            '#entity': ENTITY_ATTRIBUTE,
            '#owner': 'owner',
            '#until': 'leaseUntil',
            '#ttl': TTL_ATTRIBUTE,
          },
          ExpressionAttributeValues: {
            ':entity': ENTITY.lease,
            ':owner': owner,
            ':now': now,
            ':until': now + durationMs,
            ':ttl': Math.floor(now / 1000) + LEASE_RETENTION_SECONDS,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const bands = result.Attributes?.bands;
      return {
        name,
        owner,
        until: now + durationMs,
        bands: typeof bands === 'object' && bands !== null ? (bands as Lease['bands']) : {},
      };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Frees the lease, keeping where the cycle left each band. A lost lease is left alone. */
  async release(lease: Lease, bands?: Lease['bands']): Promise<boolean> {
    const update = new UpdateBuilder().whenEquals('owner', lease.owner).set('leaseUntil', 0);
    if (bands) update.set('bands', bands);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leaseKey(lease.name),
          ...update.build(),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Frees the lease whoever holds it, keeping the cursor. Only for a runner that knows the
   * holder is dead, e.g. the local runtime starting after its previous process was killed.
   */
  async breakLease(name: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leaseKey(name),
          ConditionExpression: 'attribute_exists(#owner)',
          UpdateExpression: 'SET #until = :zero',
          ExpressionAttributeNames: { '#owner': 'owner', '#until': 'leaseUntil' },
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }
}
