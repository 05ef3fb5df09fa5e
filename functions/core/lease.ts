/**
 * A lease in the table so that overlapping poller invocations never work on the same orders.
 * It also keeps the cursor: the start of the last cycle that finished all its due work.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ENTITY, ENTITY_ATTRIBUTE, leaseKey, TTL_ATTRIBUTE } from './table';

export interface Lease {
  name: string;
  owner: string;
  /** Epoch ms until which the lease is held. */
  until: number;
  /** Epoch ms; every check due up to it has been done. Undefined before the first full cycle. */
  cursor: number | undefined;
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
      const cursor = result.Attributes?.cursor;
      return {
        name,
        owner,
        until: now + durationMs,
        cursor: typeof cursor === 'number' ? cursor : undefined,
      };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Frees the lease, moving the cursor when the cycle finished. A lost lease is left alone. */
  async release(lease: Lease, cursor?: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leaseKey(lease.name),
          ConditionExpression: '#owner = :owner',
          UpdateExpression:
            cursor === undefined ? 'SET #until = :zero' : 'SET #until = :zero, #cursor = :cursor',
          ExpressionAttributeNames: {
            '#owner': 'owner',
            '#until': 'leaseUntil',
            ...(cursor === undefined ? {} : { '#cursor': 'cursor' }),
          },
          ExpressionAttributeValues: {
            ':owner': lease.owner,
            ':zero': 0,
            ...(cursor === undefined ? {} : { ':cursor': cursor }),
          },
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
