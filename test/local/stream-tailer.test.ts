import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDeadLetter } from '../../functions/core/events/dead-letters';
import type { StreamRecord } from '../../functions/core/events/stream-record';
import { SessionStore } from '../../functions/core/store';
import {
  type PublishStreamBatch,
  StreamTailer,
  StreamTrimmedError,
} from '../../infra/local/stream-tailer';
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
  const table = await createTestTable(name, { stream: true });
  tables.push(table);
  return { table, store: new SessionStore({ client: table.client, tableName: table.tableName }) };
}

const eventIdsOf = (records: StreamRecord[]) => records.map((record) => record.newImage?.eventId);

function tailer(
  table: TestTable,
  name: string,
  publish: PublishStreamBatch,
  more: { endpoint?: string; onError?: (error: unknown) => void } = {},
) {
  return new StreamTailer(
    {
      endpoint: more.endpoint ?? table.endpoint,
      onError: more.onError,
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

/**
 * DynamoDB Local over loopback, except that the next `trims` GetRecords calls are answered as
 * DynamoDB Local sometimes answers after the first write to an empty shard: trimmed.
 */
async function trimmingProxy(endpoint: string) {
  const state = { trims: 0 };
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (
      request.headers['x-amz-target'] === 'DynamoDBStreams_20120810.GetRecords' &&
      state.trims > 0
    ) {
      state.trims--;
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(
        JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException',
          message: 'The operation attempted to read past the oldest stream record in a shard.',
        }),
      );
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !['host', 'connection'].includes(name)),
    ) as Record<string, string>;
    const upstream = await fetch(`${endpoint}${request.url}`, {
      method: request.method,
      headers,
      body: Buffer.concat(chunks),
    });
    response.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/x-amz-json-1.0',
    });
    response.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, state, close: () => server.close() };
}

describe('the local stream tailer', () => {
  it('opens a shard again from its checkpoint when its iterator is called trimmed, and delivers each record once', async () => {
    const { table, store } = await freshTable('tailer-trimmed');
    const proxy = await trimmingProxy(table.endpoint);
    const seen: unknown[] = [];
    const errors: unknown[] = [];
    const subject = tailer(
      table,
      'trimmed',
      async (records) => {
        seen.push(...eventIdsOf(records));
        return { batchItemFailures: [] };
      },
      { endpoint: proxy.url, onError: (error) => errors.push(error) },
    );
    try {
      await driveOrder(store, 701, [[[7, 'waiting']]]);
      await drainUntil(subject, () => seen.length >= 1);

      proxy.state.trims = 1; // the iterator it keeps for the shard is refused once
      await driveOrder(store, 702, [[[8, 'waiting']]]);
      await drainUntil(subject, () => seen.length >= 2);
      expect(seen).toEqual(['pss-701-7-1', 'pss-702-8-1']);
      expect(errors).toEqual([]);

      // Refused again from the checkpoint: past retention, it says so and goes on from the
      // oldest record left (at least once: the older record comes again).
      proxy.state.trims = 2;
      await driveOrder(store, 703, [[[9, 'waiting']]]);
      await drainUntil(subject, () => seen.includes('pss-703-9-1'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(StreamTrimmedError);
      expect(new Set(seen)).toEqual(new Set(['pss-701-7-1', 'pss-702-8-1', 'pss-703-9-1']));
    } finally {
      proxy.close();
    }
  });

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
