/**
 * Plays Lambda's DynamoDB event source locally: tails the table's stream, keeps the records
 * the stack's filter keeps (history items, INSERT), and hands them, as the domain's plain
 * records, to `publish` (the runtime's is the publisher's `publishStreamRecords`). Progress is checkpointed per shard in the data dir only after the
 * publisher accepted a batch, so a restart resumes without publishing anything twice, and a
 * failed record is offered again (at least once) instead of being skipped.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record as StreamsRecord,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { streamBatchFailure } from '../../functions/core/events/dead-letters';
import type { StreamPublishResult } from '../../functions/core/events/publisher';
import { isEventRecord, type StreamRecord } from '../../functions/core/events/stream-record';
import { ENTITY_ATTRIBUTE } from '../../functions/core/table';
import { fromStreamsRecord } from './stream-records';

/** Publishes a batch; names the records it could not publish, as Lambda's partial batch response does. */
export type PublishStreamBatch = (
  records: StreamRecord[],
) => Promise<Pick<StreamPublishResult, 'batchItemFailures'>>;

interface Checkpoint {
  streamArn: string;
  /** Last sequence number handled, per shard. */
  shards: Record<string, string>;
}

export interface StreamTailerOptions {
  endpoint: string;
  tableName: string;
  checkpointFile: string;
  /** Where records end after `maxRetries` failed deliveries (the stack's on-failure queue). */
  deadLetterFile: string;
  publish: PublishStreamBatch;
  /** Deliveries of a failing record before it goes to the dead-letter file. Default 3. */
  maxRetries?: number;
  /** Records per invocation, as the event source's batch size. Default 100. */
  batchSize?: number;
  onError?: (error: unknown) => void;
}

/** The stream no longer holds the records after the checkpoint: some were never published. */
export class StreamTrimmedError extends Error {
  override readonly name = 'StreamTrimmedError';
  constructor(shardId: string) {
    super(
      `stream shard ${shardId} no longer holds the records after its checkpoint; going on from the oldest one left. The history is in the table: npm run republish -- --from <when> sends what was missed`,
    );
  }
}

/** The stack's event source filter, from the same rule: new history items only. */
export function isHistoryInsert(record: StreamsRecord): boolean {
  return isEventRecord({
    eventName: record.eventName,
    newImage: { [ENTITY_ATTRIBUTE]: record.dynamodb?.NewImage?.[ENTITY_ATTRIBUTE]?.S },
  });
}

const PUBLISHER_FUNCTION_ARN = 'arn:aws:lambda:local:000000000000:function:publisher';

export class StreamTailer {
  private readonly streams: DynamoDBStreamsClient;
  private checkpoint: Checkpoint | undefined;
  private readonly iterators = new Map<string, string | undefined>();
  private readonly failures = new Map<string, number>();
  private arn: string | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly options: StreamTailerOptions,
    private readonly dynamo: DynamoDBDocumentClient,
  ) {
    this.streams = new DynamoDBStreamsClient({
      endpoint: options.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }

  /** Polls every `intervalMs` until `stop()`. */
  start(intervalMs = 500): void {
    const loop = async () => {
      while (!this.stopped) {
        try {
          await this.pollOnce();
        } catch (error) {
          this.options.onError?.(error);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    };
    this.running = loop();
  }

  /** Lets the batch in hand finish and its checkpoint be written. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    this.streams.destroy();
  }

  /** Reads every shard once and hands what it found to the handler. Returns records handled. */
  async pollOnce(): Promise<number> {
    const streamArn = await this.streamArn();
    const checkpoint = this.loadCheckpoint(streamArn);
    const description = await this.streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    let handled = 0;
    for (const shard of description.StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId;
      if (!shardId) continue;
      let iterator =
        this.iterators.get(shardId) ?? (await this.openIterator(streamArn, shardId, checkpoint));
      let reopened = 0;
      while (iterator && !this.stopped) {
        let page: GetRecordsCommandOutput;
        try {
          page = await this.streams.send(
            new GetRecordsCommand({
              ShardIterator: iterator,
              Limit: this.options.batchSize ?? 100,
            }),
          );
        } catch (error) {
          const trimmed = error instanceof TrimmedDataAccessException;
          if (!(trimmed || error instanceof ExpiredIteratorException) || reopened === 2) {
            this.iterators.delete(shardId);
            throw error;
          }
          reopened++;
          // Expired, or called trimmed by DynamoDB Local once the first write reaches an empty
          // shard (aws/aws-sdk-java#2923): open it again from the checkpoint. Trimmed again,
          // the checkpoint itself is past the stream's retention: go on from the oldest record
          // left and say so, since what lay between was never published.
          const pastRetention = trimmed && reopened === 2;
          if (pastRetention) this.options.onError?.(new StreamTrimmedError(shardId));
          iterator = await this.openIterator(
            streamArn,
            shardId,
            pastRetention ? { streamArn, shards: {} } : checkpoint,
          );
          continue;
        }
        const records = page.Records ?? [];
        if (records.length === 0) {
          this.iterators.set(shardId, page.NextShardIterator);
          break;
        }
        const failedAt = await this.deliver(records, streamArn, shardId);
        const done = failedAt === undefined ? records : records.slice(0, failedAt);
        const last = done.at(-1)?.dynamodb?.SequenceNumber;
        if (last) {
          checkpoint.shards[shardId] = last;
          this.saveCheckpoint(checkpoint);
        }
        handled += done.length;
        if (failedAt !== undefined) {
          // Like Lambda: retry from the first failed record on the next poll.
          this.iterators.delete(shardId);
          break;
        }
        iterator = page.NextShardIterator;
        this.iterators.set(shardId, iterator);
      }
    }
    return handled;
  }

  /** Index of the first record the handler reported failed, or undefined if all succeeded. */
  private async deliver(
    records: StreamsRecord[],
    streamArn: string,
    shardId: string,
  ): Promise<number | undefined> {
    const wanted = records.filter(isHistoryInsert);
    if (wanted.length === 0) return undefined;
    const response = await this.options.publish(
      wanted.map((record) => fromStreamsRecord(record, streamArn)),
    );
    const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    if (failed.size === 0) return undefined;
    const index = records.findIndex((record) => failed.has(record.dynamodb?.SequenceNumber ?? ''));
    const first = records[index];
    const sequence = first?.dynamodb?.SequenceNumber;
    if (!first || !sequence) return undefined;
    const attempts = (this.failures.get(sequence) ?? 0) + 1;
    this.failures.set(sequence, attempts);
    if (attempts < (this.options.maxRetries ?? 3)) return index;
    // Given up on, like Lambda after its retries: the batch's metadata goes where Lambda's
    // on-failure destination would get it (the record itself stays in the table), then skipped.
    this.failures.delete(sequence);
    const message = streamBatchFailure([fromStreamsRecord(first, streamArn)], {
      functionArn: PUBLISHER_FUNCTION_ARN,
      shardId,
      approximateInvokeCount: attempts,
    });
    appendFileSync(this.options.deadLetterFile, `${JSON.stringify(message)}\n`);
    this.options.onError?.(
      new Error(
        `stream record ${sequence} could not be published; see ${this.options.deadLetterFile}, then npm run republish -- --from-dlq`,
      ),
    );
    return index + 1 < records.length ? index + 1 : undefined;
  }

  private async openIterator(streamArn: string, shardId: string, checkpoint: Checkpoint) {
    const after = checkpoint.shards[shardId];
    const result = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return result.ShardIterator;
  }

  /** Read once: the table (and so its stream) outlives this tailer. */
  private async streamArn(): Promise<string> {
    if (this.arn) return this.arn;
    const table = await this.dynamo.send(
      new DescribeTableCommand({ TableName: this.options.tableName }),
    );
    const arn = table.Table?.LatestStreamArn;
    if (!arn) throw new Error(`table ${this.options.tableName} has no stream`);
    this.arn = arn;
    return arn;
  }

  private loadCheckpoint(streamArn: string): Checkpoint {
    if (this.checkpoint?.streamArn === streamArn) return this.checkpoint;
    let loaded: Checkpoint | undefined;
    if (existsSync(this.options.checkpointFile)) {
      loaded = JSON.parse(readFileSync(this.options.checkpointFile, 'utf8')) as Checkpoint;
    }
    this.checkpoint = loaded?.streamArn === streamArn ? loaded : { streamArn, shards: {} };
    this.iterators.clear();
    return this.checkpoint;
  }

  private saveCheckpoint(checkpoint: Checkpoint): void {
    // Write-then-rename: a crash mid-write never leaves a torn checkpoint.
    const temporary = `${this.options.checkpointFile}.tmp`;
    writeFileSync(temporary, JSON.stringify(checkpoint));
    renameSync(temporary, this.options.checkpointFile);
  }
}
