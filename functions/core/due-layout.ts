/**
 * How the due index is split among pollers, and why changing the split loses nothing.
 *
 * With `POLL_SHARDS` = N, an order starting a tracking period goes into due-index partition
 * `TRACKING#<orderId % N>` and stays there until the period ends, whatever the layout becomes.
 * Poller shard `i` of N reads every partition `p` with `p % N = i`, for every `p` below the
 * table's high-water mark: the most partitions any layout ever wrote to, kept in one item that
 * a writer raises (a conditional write, once per process) before it first writes an order.
 * So every partition ever used is read by exactly one shard of the current layout: after
 * 1 → 4 → 2, shard 0 reads partitions 0 and 2, shard 1 reads 1 and 3, and the orders the
 * old layouts placed are checked until their tracking ends. A partition left empty costs one
 * small Query per band and cycle; the mark never goes down by itself.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dueLayoutKey, ENTITY, ENTITY_ATTRIBUTE } from './table';

/** Most shards a layout may have (`POLL_SHARDS`, `pollShards`). */
export const MAX_POLL_SHARDS = 64;

/** A poller was started for a shard the layout does not have. */
export class UnknownShardError extends RangeError {
  override readonly name = 'UnknownShardError';
  constructor(
    readonly shard: number,
    readonly shards: number,
  ) {
    super(`shard ${shard} does not exist: the layout has shards 0 to ${shards - 1}`);
  }
}

const MARK = 'partitions';

export class DueLayout {
  private announced: Promise<void> | undefined;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Shards of the current layout (`POLL_SHARDS`). */
    readonly shards: number,
  ) {
    if (!(Number.isInteger(shards) && shards >= 1 && shards <= MAX_POLL_SHARDS)) {
      throw new RangeError(`shards must be an integer from 1 to ${MAX_POLL_SHARDS}, got ${shards}`);
    }
  }

  /** The partition an order starting a tracking period now goes into. */
  partitionOf(orderId: number): number {
    return orderId % this.shards;
  }

  /**
   * Raises the high-water mark to this layout's partitions before the first write into them,
   * so pollers of any layout read them. Once per process; a failure is tried again next time.
   */
  announce(): Promise<void> {
    this.announced ??= this.raiseMark().catch((error: unknown) => {
      this.announced = undefined;
      throw error;
    });
    return this.announced;
  }

  /** The partitions shard `shard` of this layout reads, ascending. */
  async partitionsOf(shard: number, signal?: AbortSignal): Promise<number[]> {
    if (!(Number.isInteger(shard) && shard >= 0 && shard < this.shards)) {
      throw new UnknownShardError(shard, this.shards);
    }
    return (await this.allPartitions(signal)).filter(
      (partition) => partition % this.shards === shard,
    );
  }

  /** Every partition that may hold an order, ascending. */
  async allPartitions(signal?: AbortSignal): Promise<number[]> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: dueLayoutKey(), ConsistentRead: true }),
      { abortSignal: signal },
    );
    const mark = Number(result.Item?.[MARK] ?? 0);
    return Array.from({ length: Math.max(mark, this.shards) }, (_, partition) => partition);
  }

  private async raiseMark(): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: dueLayoutKey(),
          ConditionExpression: 'attribute_not_exists(#mark) OR #mark < :shards',
          UpdateExpression: 'SET #mark = :shards, #entity = :entity',
          ExpressionAttributeNames: { '#mark': MARK, '#entity': ENTITY_ATTRIBUTE },
          ExpressionAttributeValues: { ':shards': this.shards, ':entity': ENTITY.layout },
        }),
      );
    } catch (error) {
      // A layout with as many or more partitions came first: its mark already covers ours.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
