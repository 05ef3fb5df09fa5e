import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDeadLetter } from '../../functions/core/events/dead-letters';
import type { StreamRecord } from '../../functions/core/events/stream-record';
import { SessionStore } from '../../functions/core/store';
import { type PublishStreamBatch, StreamTailer } from '../../infra/local/stream-tailer';
import { createTestTable, type TestTable } from '../support/dynamo';
import { driveOrder } from '../support/payment-sessions';

const dir = mkdtempSync(join(tmpdir(), 'psw-tailer-'));
const tables: TestTable[] = [];
afterAll(async () => {
  await Promise.all(tables.map((table) => table.drop()));
  rmSync(dir, { recursive: true, force: true });
});

/** Each test its own table, so none depends on what another left in a stream. */
async function freshTable(name: string) {
  const table = await createTestTable(name);
  tables.push(table);
  return { table, store: new SessionStore({ client: table.client, tableName: table.tableName }) };
}

const eventIdsOf = (records: StreamRecord[]) => records.map((record) => record.newImage?.eventId);

function tailer(table: TestTable, name: string, publish: PublishStreamBatch) {
  return new StreamTailer(
    {
      endpoint: table.endpoint,
      tableName: table.tableName,
      checkpointFile: join(dir, `${name}.checkpoint.json`),
      deadLetterFile: join(dir, `${name}.dead-letter.jsonl`),
      publish,
    },
    table.client,
  );
}

/**
 * Polls until `done()` holds (DynamoDB Local's stream lags writes a little), then a few rounds
 * more so anything that should not arrive has had its chance.
 */
async function drainUntil(subject: StreamTailer, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('the tailer did not deliver in time');
    await subject.pollOnce();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (let round = 0; round < 3; round++) await subject.pollOnce();
}

describe('the local stream tailer', () => {
  it('hands over history inserts only, as plain records, and a new tailer on the same checkpoint resumes after them', async () => {
    const { table, store } = await freshTable('tailer-resume');
    await driveOrder(store, 501, [[[1, 'waiting']], [[1, 'completed']]]);
    const seen: unknown[] = [];
    const first = tailer(table, 'resume', async (records) => {
      seen.push(...eventIdsOf(records));
      return { batchItemFailures: [] };
    });
    await drainUntil(first, () => seen.length >= 2);
    expect(seen).toEqual(['pss-501-1-1', 'pss-501-1-2']);

    await driveOrder(store, 502, [[[2, 'waiting']]]);
    const again: unknown[] = [];
    const second = tailer(table, 'resume', async (records) => {
      again.push(...eventIdsOf(records));
      return { batchItemFailures: [] };
    });
    await drainUntil(second, () => again.length >= 1);
    expect(again).toEqual(['pss-502-2-1']);
  });

  it('offers a failed record again, then moves it to the dead-letter file and goes on', async () => {
    const { table, store } = await freshTable('tailer-poison');
    const offered: unknown[] = [];
    let poisonSequence: string | undefined;
    const subject = tailer(table, 'poison', async (records) => {
      offered.push(...eventIdsOf(records));
      const poison = records.find((record) => record.newImage?.orderId === 601);
      poisonSequence = poison?.sequenceNumber ?? poisonSequence;
      return { batchItemFailures: poison ? [{ itemIdentifier: poison.sequenceNumber }] : [] };
    });
    await driveOrder(store, 601, [[[3, 'waiting']]]);
    await driveOrder(store, 602, [[[4, 'waiting']]]);
    const deadLetters = join(dir, 'poison.dead-letter.jsonl');
    await drainUntil(subject, () => existsSync(deadLetters) && offered.includes('pss-602-4-1'));

    expect(offered.filter((id) => id === 'pss-601-3-1')).toHaveLength(3); // maxRetries
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
