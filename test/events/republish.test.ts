/**
 * `npm run republish` against DynamoDB Local and the wire-level PutEvents endpoint: entries
 * selected by order, by time range and from the failure destination go out again with their
 * original event ids, within PutEvents' limits, surviving partial failures.
 */
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseDeadLetter } from '../../functions/core/events/dead-letters';
import { FileFailureDestination } from '../../functions/core/events/failure-destinations';
import { EventPublisher, publishStreamRecords } from '../../functions/core/events/publisher';
import type { HistoryEntry } from '../../functions/core/model';
import { SessionStore } from '../../functions/core/store';
import { fromLambdaRecord } from '../../functions/publisher/stream-record';
import { FileDeadLetters } from '../../infra/local/dead-letter-sources';
import { runRepublishCommand } from '../../infra/local/republish-command';
import { StreamTailer } from '../../infra/local/stream-tailer';
import { createTestTable, type TestTable } from '../support/dynamo';
import { openStreamReader } from '../support/dynamodb-stream';
import {
  type EventBridgeEndpoint,
  entryKey,
  failFraction,
  startEventBridgeEndpoint,
} from '../support/eventbridge-endpoint';
import { driveOrder, paymentSession } from '../support/payment-sessions';

let endpoint: EventBridgeEndpoint;
let table: TestTable;
let store: SessionStore;
const dir = mkdtempSync(join(tmpdir(), 'psw-republish-'));
const tables: TestTable[] = [];

beforeAll(async () => {
  endpoint = await startEventBridgeEndpoint();
  table = await createTestTable('republish', { stream: true });
  tables.push(table);
  store = new SessionStore({ client: table.client, tableName: table.tableName });
});
afterEach(() => {
  endpoint.setEntryFault(undefined);
  endpoint.setRequestFault(undefined);
});
afterAll(async () => {
  await endpoint.close();
  for (const each of tables) await each.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function republish(
  argv: string[],
  options: { subject?: TestTable; deadLetterFile?: string; pageSize?: number } = {},
) {
  const subject = options.subject ?? table;
  let stdout = '';
  let stderr = '';
  const code = await runRepublishCommand({
    argv,
    env: {
      TABLE_NAME: subject.tableName,
      DYNAMODB_ENDPOINT: subject.endpoint,
      EVENTBRIDGE_ENDPOINT: endpoint.endpoint,
      DEAD_LETTER_FILE: options.deadLetterFile,
    },
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    pageSize: options.pageSize ?? 2,
  });
  return { code, stdout, stderr };
}

/** Event ids delivered since `mark` (an index into `endpoint.delivered`). */
const deliveredSince = (mark: number) =>
  endpoint.delivered.slice(mark).map((event) => event.detail.eventId as string);

const at = (iso: string) => new Date(iso);

describe('npm run republish --order', () => {
  it('re-publishes every history entry of the order, oldest first, with the original event ids', async () => {
    const entries = await driveOrder(store, 1001, [
      [[11, 'waiting']],
      [[11, 'processing']],
      [[11, 'completed']],
    ]);
    await driveOrder(store, 1002, [[[12, 'waiting']]]);
    const mark = endpoint.delivered.length;
    const result = await republish(['--order', '1001']);
    expect(result.code, result.stderr).toBe(0);
    expect(deliveredSince(mark)).toEqual(entries.map((entry) => entry.eventId));
    expect(result.stdout).toContain('sent 3');
  });

  it('lists what it would send on --dry-run, and sends nothing', async () => {
    const mark = endpoint.requests.length;
    const result = await republish(['--order', '1001', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('would send pss-1001-11-1');
    expect(result.stdout).toContain('would send pss-1001-11-3');
    expect(endpoint.requests.length).toBe(mark);
  });

  it('refuses a bad order id, a second mode and an unknown option with the usage', async () => {
    for (const argv of [
      ['--order', 'abc'],
      ['--order', '1', '--from-dlq'],
      ['--order', '1', '--everything'],
      [],
      ['--from', '2025-03-01T12:00:00Z', '--to', '2025-03-01T10:00:00Z'],
      ['--from', 'yesterday', '--to', '2025-03-01T10:00:00Z'],
    ]) {
      const result = await republish(argv);
      expect(result.code, argv.join(' ')).toBe(1);
      expect(result.stderr).toContain('usage: republish');
    }
  });
});

describe('npm run republish --from/--to', () => {
  /** Entries of several orders (so of several index shards), over three hours. */
  const written: HistoryEntry[] = [];
  beforeAll(async () => {
    for (const [offset, orderId] of [2001, 2002, 2003, 2004, 2005, 2006].entries()) {
      const hour = String(7 + offset).padStart(2, '0');
      const start = at(`2025-06-0${1 + (offset % 2)}T${hour}:58:00.000Z`);
      written.push(
        ...(await driveOrder(
          store,
          orderId,
          [[[orderId, 'waiting']], [[orderId, 'completed']]],
          start,
        )),
      );
    }
  });

  it('re-publishes the entries observed in the range, in time order, across hours and shards', async () => {
    const from = '2025-06-01T08:00:00.000Z';
    const to = '2025-06-02T12:00:00.000Z';
    const expected = written
      .filter((entry) => entry.observedAt >= from && entry.observedAt <= to)
      .sort((a, b) => a.observedAt.localeCompare(b.observedAt) || a.orderId - b.orderId);
    expect(expected.length).toBeGreaterThan(4);
    expect(expected.length).toBeLessThan(written.length);
    const mark = endpoint.delivered.length;
    const result = await republish(['--from', from, '--to', to]);
    expect(result.code, result.stderr).toBe(0);
    expect(deliveredSince(mark)).toEqual(expected.map((entry) => entry.eventId));
  });

  it('keeps only the kind or status asked for', async () => {
    const mark = endpoint.delivered.length;
    const result = await republish([
      '--from',
      '2025-06-01T00:00:00Z',
      '--to',
      '2025-06-03T00:00:00Z',
      '--kind',
      'resolved',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const resolved = written.filter((entry) => entry.kind === 'resolved');
    expect(new Set(deliveredSince(mark))).toEqual(new Set(resolved.map((entry) => entry.eventId)));

    const none = await republish([
      '--from',
      '2025-06-01T00:00:00Z',
      '--to',
      '2025-06-03T00:00:00Z',
      '--status',
      'no-such-status',
    ]);
    expect(none.stdout).toContain('sent 0');
  });

  it('stays within PutEvents limits and sends each event once through partial failures', async () => {
    const entries: HistoryEntry[] = [];
    for (let orderId = 3001; orderId <= 3025; orderId++) {
      entries.push(
        ...(await driveOrder(store, orderId, [[[orderId, 'waiting']]], at('2025-07-01T10:00:00Z'))),
      );
    }
    endpoint.setEntryFault(failFraction({ fraction: 0.3, attempts: 1 }));
    const requestsBefore = endpoint.requests.length;
    const mark = endpoint.delivered.length;
    const result = await republish([
      '--from',
      '2025-07-01T00:00:00Z',
      '--to',
      '2025-07-01T23:59:59Z',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const ids = deliveredSince(mark);
    expect(ids.sort()).toEqual(entries.map((entry) => entry.eventId).sort());
    const requests = endpoint.requests.slice(requestsBefore);
    expect(requests.length).toBeGreaterThan(3); // 25 entries, 10 at most per request, retries
    for (const request of requests) expect(request.entries.length).toBeLessThanOrEqual(10);
  });

  it('reports an event EventBridge refuses for good, and exits 1', async () => {
    await driveOrder(store, 3100, [[[3100, 'waiting']]], at('2025-08-01T10:00:00Z'));
    endpoint.setEntryFault((entry) =>
      entryKey(entry) === 'pss-3100-3100-1'
        ? { ErrorCode: 'MalformedDetail', ErrorMessage: 'injected' }
        : undefined,
    );
    const result = await republish([
      '--from',
      '2025-08-01T00:00:00Z',
      '--to',
      '2025-08-02T00:00:00Z',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('pss-3100-3100-1 failed: MalformedDetail');
    expect(endpoint.attemptsOf('pss-3100-3100-1')).toBe(1);
  });
});

describe('the publisher and npm run republish --from-dlq', () => {
  it('sends a record that can never succeed to the failure destination at once, with the reason', async () => {
    const reader = await openStreamReader(table);
    await reader.readNew(); // what earlier tests wrote
    const huge = 'x'.repeat(300 * 1024);
    await driveOrder(store, 4001, [[paymentSession(4001, 41, huge)]], at('2025-09-01T10:00:00Z'));
    await driveOrder(store, 4002, [[[42, 'waiting']]], at('2025-09-01T10:00:00Z'));
    const records = await reader.readAtLeast(2);
    reader.close();
    endpoint.setEntryFault((entry) =>
      entryKey(entry) === 'pss-4002-42-1'
        ? { ErrorCode: 'MalformedDetail', ErrorMessage: 'injected' }
        : undefined,
    );
    const file = join(dir, 'permanent.jsonl');
    const publisher = new EventPublisher({
      client: endpoint.client(),
      maxAttempts: 10,
      sleep: async () => {},
    });
    const result = await publishStreamRecords(
      records.filter((record) => record.eventName === 'INSERT').map(fromLambdaRecord),
      publisher,
      new FileFailureDestination(file),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(result.deadLettered).toBe(2);
    expect(endpoint.attemptsOf('pss-4001-41-1')).toBe(0); // too large: never sent
    expect(endpoint.attemptsOf('pss-4002-42-1')).toBe(1); // refused for good: not retried
    const messages = readFileSync(file, 'utf8').trim().split('\n').map(parseDeadLetter);
    expect(
      messages
        .map((message) => (message.kind === 'permanent' ? message.message.errorCode : message.kind))
        .sort(),
    ).toEqual(['EventTooLargeError', 'MalformedDetail']);

    // Once EventBridge takes it, the redrive sends the refused one and deletes its message;
    // the one too large stays, with why.
    endpoint.setEntryFault(undefined);
    const mark = endpoint.delivered.length;
    const redrive = await republish(['--from-dlq'], { deadLetterFile: file });
    expect(redrive.code).toBe(1);
    expect(deliveredSince(mark)).toEqual(['pss-4002-42-1']);
    expect(redrive.stderr).toContain('EventTooLargeError');
    const left = readFileSync(file, 'utf8').trim().split('\n');
    expect(left).toHaveLength(1);
    expect(left[0]).toContain('EventTooLargeError');
  });

  it('re-publishes each event lost in an outage longer than the stream retention exactly once, with its original id', async () => {
    const outage = await createTestTable('outage', { stream: true });
    tables.push(outage);
    const outageStore = new SessionStore({ client: outage.client, tableName: outage.tableName });
    const deadLetterFile = join(dir, 'outage.dead-letter.jsonl');
    // The publisher is down: every PutEvents request fails.
    endpoint.setRequestFault(() => ({ status: 500, type: 'InternalFailure' }));
    const publisher = new EventPublisher({ client: endpoint.client(), maxAttempts: 1 });
    const tailer = new StreamTailer(
      {
        endpoint: outage.endpoint,
        tableName: outage.tableName,
        checkpointFile: join(dir, 'outage.checkpoint.json'),
        deadLetterFile,
        publish: (records) => publishStreamRecords(records, publisher),
        maxRetries: 2,
      },
      outage.client,
    );
    const lost: HistoryEntry[] = [];
    const now = new Date();
    for (const orderId of [5001, 5002, 5003]) {
      lost.push(
        ...(await driveOrder(
          outageStore,
          orderId,
          [[[orderId, 'waiting']], [[orderId, 'completed']]],
          new Date(now.getTime() - 3 * 60_000),
        )),
      );
    }
    const lines = () =>
      existsSync(deadLetterFile) ? readFileSync(deadLetterFile, 'utf8').trim().split('\n') : [];
    for (let round = 0; round < 60 && lines().length < lost.length; round++) {
      await tailer.pollOnce();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await tailer.stop();
    expect(lines()).toHaveLength(lost.length);
    expect(
      endpoint.delivered.filter((event) => String(event.detail.orderId).startsWith('500')),
    ).toEqual([]);
    // The retention passes: the stream no longer has the records; only the table does.
    await outage.client.send(
      new UpdateTableCommand({
        TableName: outage.tableName,
        StreamSpecification: { StreamEnabled: false },
      }),
    );

    endpoint.setRequestFault(undefined);
    const mark = endpoint.delivered.length;
    const result = await republish(['--from-dlq'], { subject: outage, deadLetterFile });
    expect(result.code, result.stderr).toBe(0);
    const ids = deliveredSince(mark);
    expect(ids.sort()).toEqual(lost.map((entry) => entry.eventId).sort());
    expect(result.stdout).toContain(`${lost.length} message(s) handled and deleted, 0 kept`);
    expect(existsSync(deadLetterFile) ? readFileSync(deadLetterFile, 'utf8') : '').toBe('');

    // Nothing is left to redrive: a second run sends nothing.
    const again = await republish(['--from-dlq'], { subject: outage, deadLetterFile });
    expect(again.code).toBe(0);
    expect(deliveredSince(mark)).toHaveLength(lost.length);
  }, 90_000);

  it('keeps a message it cannot read', async () => {
    const file = join(dir, 'unreadable.jsonl');
    writeFileSync(file, 'not json\n');
    const result = await republish(['--from-dlq'], { deadLetterFile: file });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not JSON');
    expect(readFileSync(file, 'utf8')).toBe('not json\n');
  });

  it('loses no line the running npm start appends to the dead-letter file during a redrive', async () => {
    const file = join(dir, 'race.jsonl');
    writeFileSync(file, 'first\nsecond\n');
    const source = new FileDeadLetters(file);
    for await (const letters of source.batches()) {
      // The tailer writes while the redrive works on what it claimed.
      appendFileSync(file, 'written meanwhile\n');
      await source.remove(letters.filter((letter) => letter.body === 'first'));
    }
    await source.close();
    expect(readFileSync(file, 'utf8').trim().split('\n').sort()).toEqual([
      'second',
      'written meanwhile',
    ]);
  });
});
