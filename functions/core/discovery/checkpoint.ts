/**
 * Where discovery stands: the highest session id it has judged, how many sessions OneEntry
 * counted then, and the order the list runs in. One item, written under a version condition.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { discoveryCheckpointKey, ENTITY, ENTITY_ATTRIBUTE } from '../table';

export type ListOrder = 'newest-first' | 'oldest-first';

export interface DiscoveryCheckpoint {
  /** Every session with an id up to this one has been judged (adopted or baseline). */
  highestSessionId: number;
  /** OneEntry's `total` when the checkpoint was written. */
  total: number;
  order: ListOrder;
  /** When discovery first ran (ISO-8601): sessions before it are the baseline. */
  baselineAt: string;
  /** When the last sweep finished (ISO-8601). */
  sweptAt: string;
  version: number;
}

export class CheckpointStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(): Promise<DiscoveryCheckpoint | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: discoveryCheckpointKey(),
        ConsistentRead: true,
      }),
    );
    if (!result.Item) return undefined;
    const { pk: _pk, sk: _sk, entity: _entity, ...checkpoint } = result.Item;
    return checkpoint as DiscoveryCheckpoint;
  }

  /** Writes `next` if the checkpoint is still at `expectedVersion` (undefined: none yet). */
  async write(
    next: Omit<DiscoveryCheckpoint, 'version'>,
    expectedVersion: number | undefined,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...discoveryCheckpointKey(),
            [ENTITY_ATTRIBUTE]: ENTITY.checkpoint,
            ...next,
            version: (expectedVersion ?? 0) + 1,
          },
          ConditionExpression:
            expectedVersion === undefined ? 'attribute_not_exists(#version)' : '#version = :v',
          ExpressionAttributeNames: { '#version': 'version' },
          ...(expectedVersion === undefined
            ? {}
            : { ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
