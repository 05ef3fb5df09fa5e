/**
 * Reads a table's REAL stream from DynamoDB Local (DescribeTable → LatestStreamArn →
 * DescribeStream → GetShardIterator TRIM_HORIZON → GetRecords) and hands the records over in
 * the shape Lambda delivers them (`DynamoDBRecord`), so the publisher is fed what DynamoDB
 * actually wrote, not hand-made records.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { toLambdaRecord } from './lambda-stream-records';

export { toLambdaRecord, toLambdaValue } from './lambda-stream-records';

const local = (endpoint: string) => ({
  endpoint,
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

/** Sequence numbers are decimal strings longer than a double holds: compare as BigInt. */
export function compareSequenceNumbers(a: DynamoDBRecord, b: DynamoDBRecord): number {
  const left = BigInt(a.dynamodb?.SequenceNumber ?? 0);
  const right = BigInt(b.dynamodb?.SequenceNumber ?? 0);
  return left < right ? -1 : left > right ? 1 : 0;
}

export interface StreamReader {
  streamArn: string;
  /** Records written since the previous read (all of them on the first), in stream order. */
  readNew(): Promise<DynamoDBRecord[]>;
  /** Like `readNew`, waiting until at least `count` records arrived (the stream lags a little). */
  readAtLeast(count: number, timeoutMs?: number): Promise<DynamoDBRecord[]>;
  close(): void;
}

export async function openStreamReader(table: {
  endpoint: string;
  tableName: string;
}): Promise<StreamReader> {
  const dynamo = new DynamoDBClient(local(table.endpoint));
  const streams = new DynamoDBStreamsClient(local(table.endpoint));
  const described = await dynamo.send(new DescribeTableCommand({ TableName: table.tableName }));
  dynamo.destroy();
  const streamArn = described.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${table.tableName} has no stream`);
  const iterators = new Map<string, string | undefined>();

  const readNew = async () => {
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    for (const shard of StreamDescription?.Shards ?? []) {
      if (!shard.ShardId || iterators.has(shard.ShardId)) continue;
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      iterators.set(shard.ShardId, ShardIterator);
    }
    const records: DynamoDBRecord[] = [];
    for (const [shardId, start] of iterators) {
      let iterator = start;
      while (iterator) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        records.push(...(page.Records ?? []).map((record) => toLambdaRecord(record, streamArn)));
        // An open shard always hands back a next iterator; an empty page means "caught up".
        iterators.set(shardId, page.NextShardIterator);
        if (!page.Records?.length) break;
        iterator = page.NextShardIterator;
      }
    }
    return records.sort((a, b) => compareSequenceNumbers(a, b));
  };

  return {
    streamArn,
    readNew,
    async readAtLeast(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      const records = await readNew();
      while (records.length < count) {
        if (Date.now() > deadline)
          throw new Error(`stream gave ${records.length} of ${count} records`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        records.push(...(await readNew()));
      }
      return records;
    },
    close: () => streams.destroy(),
  };
}
