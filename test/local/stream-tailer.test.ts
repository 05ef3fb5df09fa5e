import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeadLetter } from '../../functions/core/events/dead-letters';
import { SessionStore } from '../../functions/core/store';
import { StreamTailer } from '../../infra/local/stream-tailer';
import { createTestTable, type TestTable } from '../support/dynamo';
import { driveOrder } from '../support/payment-sessions';

let table: TestTable;
let store: SessionStore;
const dir = mkdtempSync(join(tmpdir(), 'psw-tailer-'));

beforeAll(async () => {
  table = await createTestTable('tailer');
  store = new SessionStore({ client: table.client, tableName: table.tableName });
});
afterAll(async () => {
  await table.drop();
  rmSync(dir, { recursive: true, force: true });
});

const eventIdsOf = (event: DynamoDBStreamEvent) =>
  event.Records.map((record) => record.dynamodb?.NewImage?.eventId?.S);

function tailer(
  name: string,
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>,
) {
  return new StreamTailer(
    {
      endpoint: table.endpoint,
      tableName: table.tableName,
      checkpointFile: join(dir, `${name}.checkpoint.json`),
      deadLetterFile: join(dir, `${name}.dead-letter.jsonl`),
      handler,
    },
    table.client,
  );
}

/** Polls until the stream has nothing new (DynamoDB Local's stream lags writes a little). */
async function drain(subject: StreamTailer, rounds = 10): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    await subject.pollOnce();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the local stream tailer', () => {
  it('hands over history inserts only, and a new tailer on the same checkpoint resumes after them', async () => {
    await driveOrder(store, 501, [[[1, 'waiting']], [[1, 'completed']]]);
    const seen: (string | undefined)[] = [];
    const first = tailer('resume', async (event) => {
      seen.push(...eventIdsOf(event));
      return { batchItemFailures: [] };
    });
    await drain(first);
    expect(seen).toEqual(['pss-501-1-1', 'pss-501-1-2']);

    await driveOrder(store, 502, [[[2, 'waiting']]]);
    const again: (string | undefined)[] = [];
    const second = tailer('resume', async (event) => {
      again.push(...eventIdsOf(event));
      return { batchItemFailures: [] };
    });
    await drain(second);
    expect(again).toEqual(['pss-502-2-1']);
  });

  it('offers a failed record again, then moves it to the dead-letter file and goes on', async () => {
    const offered: (string | undefined)[] = [];
    let poisonSequence: string | undefined;
    const subject = tailer('poison', async (event) => {
      offered.push(...eventIdsOf(event));
      const poison = event.Records.find(
        (record) => record.dynamodb?.NewImage?.orderId?.N === '601',
      );
      poisonSequence = poison?.dynamodb?.SequenceNumber ?? poisonSequence;
      return {
        batchItemFailures: poison
          ? [{ itemIdentifier: poison.dynamodb?.SequenceNumber ?? '' }]
          : [],
      };
    });
    await drain(subject); // history written by the first test, delivered fine
    offered.length = 0;
    await driveOrder(store, 601, [[[3, 'waiting']]]);
    await driveOrder(store, 602, [[[4, 'waiting']]]);
    await drain(subject);

    expect(offered.filter((id) => id === 'pss-601-3-1')).toHaveLength(3); // maxRetries
    expect(offered.filter((id) => id === 'pss-602-4-1').length).toBeGreaterThanOrEqual(1);
    const deadLetters = join(dir, 'poison.dead-letter.jsonl');
    expect(existsSync(deadLetters)).toBe(true);
    // As Lambda's on-failure destination gets it: the batch's metadata, not the record.
    const [message, ...more] = readFileSync(deadLetters, 'utf8').trim().split('\n');
    expect(more).toEqual([]);
    const parsed = parseDeadLetter(message ?? '');
    expect(parsed.kind).toBe('stream-batch');
    const info = parsed.kind === 'stream-batch' ? parsed.message.DDBStreamBatchInfo : undefined;
    expect(info?.batchSize).toBe(1);
    expect(info?.startSequenceNumber).toBe(poisonSequence);
    expect(info?.endSequenceNumber).toBe(poisonSequence);
  });
});
