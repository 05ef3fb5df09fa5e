/**
 * The publisher fed by DynamoDB Local's real stream and publishing through the real
 * EventBridge SDK client to a wire-level PutEvents endpoint.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DETAIL_TYPE } from '../../functions/core/events/contract';
import {
  EventPublisher,
  type EventPublisherOptions,
  publishStreamRecords,
} from '../../functions/core/events/publisher';
import type { HistoryEntry } from '../../functions/core/model';
import { StatusModel } from '../../functions/core/status';
import { SessionStore } from '../../functions/core/store';
import {
  ENTITY,
  ENTITY_ATTRIBUTE,
  historySortKey,
  orderKey,
  SORT_KEY,
} from '../../functions/core/table';
import { fromLambdaRecord } from '../../functions/publisher/stream-record';
import { createTestTable, type TestTable } from '../support/dynamo';
import {
  compareSequenceNumbers,
  openStreamReader,
  type StreamReader,
} from '../support/dynamodb-stream';
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
let stream: StreamReader;

beforeAll(async () => {
  endpoint = await startEventBridgeEndpoint();
});
afterAll(async () => {
  await endpoint.close();
});
beforeEach(async () => {
  endpoint.requests.length = 0;
  endpoint.delivered.length = 0;
  endpoint.setEntryFault(undefined);
  endpoint.setRequestFault(undefined);
  table = await createTestTable('publisher', { stream: true });
  store = new SessionStore({ client: table.client, tableName: table.tableName });
  stream = await openStreamReader(table);
});
afterEach(async () => {
  stream.close();
  await table.drop();
});

const logger = () => ({ error: vi.fn(), warn: vi.fn() });

function publisher(options: Partial<EventPublisherOptions> = {}) {
  return new EventPublisher({ client: endpoint.client(), sleep: async () => {}, ...options });
}

/** Several orders, each observed, changed and resolved: 3 history entries per order. */
async function writeHistory(orders: number): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  for (let orderId = 1; orderId <= orders; orderId++) {
    entries.push(
      ...(await driveOrder(store, orderId, [
        [[orderId * 10, 'waiting']],
        [[orderId * 10, 'processing']],
        [[orderId * 10, orderId % 2 === 0 ? 'completed' : 'cancelled']],
      ])),
    );
  }
  return entries;
}

const historyRecords = (records: DynamoDBRecord[]) =>
  records.filter((record) => record.dynamodb?.NewImage?.[ENTITY_ATTRIBUTE]?.S === ENTITY.history);

const deliveredIds = () => endpoint.delivered.map((event) => event.detail.eventId as string);

/** Every request that carried the entry, with what the endpoint answered for it. */
function sendsOf(eventId: string) {
  return endpoint.requests.flatMap((request) =>
    request.entries.flatMap((entry, position) =>
      entryKey(entry) === eventId
        ? [request.results?.[position] ?? { ErrorCode: request.error }]
        : [],
    ),
  );
}

describe('publishing the table stream', () => {
  it('publishes one event per history entry and skips every other item', async () => {
    const entries = await writeHistory(3);
    const records = await stream.readAtLeast(entries.length);

    const result = await publishStreamRecords(records.map(fromLambdaRecord), publisher());

    expect(result.batchItemFailures).toEqual([]);
    expect(deliveredIds().sort()).toEqual(entries.map((entry) => entry.eventId).sort());
    expect(result.published).toBe(entries.length);
    // Order items were inserted and modified on the same stream; none became an event.
    expect(result.skipped).toBe(records.length - entries.length);
    expect(result.skipped).toBeGreaterThan(0);
    const kinds = Object.fromEntries(
      endpoint.delivered.map((event) => [event.detail.eventId, event['detail-type']]),
    );
    for (const entry of entries) {
      const expected = entry.kind === 'resolved' ? DETAIL_TYPE.resolved : DETAIL_TYPE.statusChanged;
      expect(kinds[entry.eventId]).toBe(expected);
    }
  });

  it('carries the configured source and bus, and the entry as the detail', async () => {
    const [first] = await driveOrder(store, 42, [[[420, 'waiting']]]);
    const records = await stream.readAtLeast(2);

    await publishStreamRecords(
      records.map(fromLambdaRecord),
      publisher({ source: 'acme.payments', eventBusName: 'orders' }),
    );

    expect(endpoint.requests[0]?.entries[0]?.EventBusName).toBe('orders');
    expect(endpoint.delivered).toHaveLength(1);
    const [event] = endpoint.delivered;
    expect(event?.source).toBe('acme.payments');
    expect(event?.time).toBe(first?.observedAt.replace(/\.\d{3}Z$/, 'Z'));
    expect(event?.detail).toEqual({
      schemaVersion: 1,
      eventId: first?.eventId,
      orderId: 42,
      seq: 1,
      sessionId: 420,
      kind: 'observed',
      previousStatus: null,
      status: 'waiting',
      resolved: false,
      observedAt: first?.observedAt,
      amount: 125.5,
      paymentAccountId: 7,
      type: 'session',
      updatedDate: '2025-03-01T10:00:00.000Z',
    });
  });

  it('publishes tracking expiry with the sessions still pending', async () => {
    await driveOrder(store, 9, [
      [
        [90, 'waiting'],
        [91, 'completed'],
      ],
    ]);
    const order = await store.getOrder(9);
    if (!order) throw new Error('order 9 was not tracked');
    const expired = await store.expireOrder(
      order,
      new StatusModel(['waiting']),
      new Date('2025-03-02T10:00:00Z'),
    );
    const records = await stream.readAtLeast(5);

    await publishStreamRecords(records.map(fromLambdaRecord), publisher());

    const event = endpoint.delivered.find((candidate) => candidate.detail.kind === 'expired');
    expect(event?.['detail-type']).toBe(DETAIL_TYPE.trackingExpired);
    expect(event?.detail).toMatchObject({
      eventId: expired?.eventId,
      sessionId: null,
      status: null,
      previousStatus: null,
      resolved: false,
      pendingSessionIds: [90],
    });
  });

  it('with 30% of entries failing on their first tries, publishes every entry once and re-sends only the failed ones', async () => {
    const entries = await writeHistory(12);
    const records = await stream.readAtLeast(entries.length);
    endpoint.setEntryFault(failFraction({ fraction: 0.3, attempts: 2, seed: 7 }));
    const log = logger();

    const result = await publishStreamRecords(
      records.map(fromLambdaRecord),
      publisher({ maxAttempts: 4, logger: log }),
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(deliveredIds().sort()).toEqual(entries.map((entry) => entry.eventId).sort());
    const retried = entries.filter((entry) => sendsOf(entry.eventId).length > 1);
    // The fault really bit (about 30% of 36), or this test would prove nothing.
    expect(retried.length).toBeGreaterThanOrEqual(5);
    expect(retried.length).toBeLessThanOrEqual(20);
    for (const entry of entries) {
      const sends = sendsOf(entry.eventId);
      // Only the last send succeeded: an entry is re-sent only after it was refused.
      expect(sends.slice(0, -1).every((result) => 'ErrorCode' in result)).toBe(true);
      expect(sends.at(-1)).toHaveProperty('EventId');
    }
    expect(log.error).not.toHaveBeenCalled();
    expect(log.warn).toHaveBeenCalledWith(
      'retrying events EventBridge did not accept',
      expect.anything(),
    );
  });

  it('reports only the records it could not publish, and a redelivery from the checkpoint publishes the rest with the same eventIds', async () => {
    const entries = await writeHistory(10);
    const records = await stream.readAtLeast(entries.length);
    endpoint.setEntryFault(failFraction({ fraction: 0.3, attempts: 10, seed: 3 }));
    const log = logger();

    const first = await publishStreamRecords(
      records.map(fromLambdaRecord),
      publisher({ maxAttempts: 2, logger: log }),
    );

    const failing = new Set(
      historyRecords(records)
        .filter((record) => !deliveredIds().includes(record.dynamodb?.NewImage?.eventId?.S ?? ''))
        .map((record) => record.dynamodb?.SequenceNumber),
    );
    expect(failing.size).toBeGreaterThan(0);
    expect(new Set(first.batchItemFailures.map((failure) => failure.itemIdentifier))).toEqual(
      failing,
    );
    expect(log.error).toHaveBeenCalledTimes(failing.size);
    expect(log.error).toHaveBeenCalledWith(
      'event could not be published',
      expect.objectContaining({ errorCode: 'ThrottlingException', attempts: 2, retryable: true }),
    );

    // What Lambda does next: resume at the lowest failed sequence number, the throttling over.
    endpoint.setEntryFault(undefined);
    const checkpoint = [...records]
      .sort(compareSequenceNumbers)
      .findIndex((record) => failing.has(record.dynamodb?.SequenceNumber));
    const redelivered = [...records].sort(compareSequenceNumbers).slice(checkpoint);
    const second = await publishStreamRecords(redelivered.map(fromLambdaRecord), publisher());

    expect(second.batchItemFailures).toEqual([]);
    expect(new Set(deliveredIds())).toEqual(new Set(entries.map((entry) => entry.eventId)));
    // Duplicates exist (records after the checkpoint that had succeeded) and are identical.
    const byId = Map.groupBy(endpoint.delivered, (event) => event.detail.eventId as string);
    const duplicated = [...byId.values()].filter((copies) => copies.length > 1);
    expect(duplicated.length).toBeGreaterThan(0);
    for (const copies of duplicated) {
      expect(new Set(copies.map((copy) => JSON.stringify(copy.detail))).size).toBe(1);
    }
  });

  it('does not retry an entry EventBridge refuses for good, and reports it', async () => {
    const entries = await driveOrder(store, 5, [[[50, 'waiting']], [[50, 'completed']]]);
    const records = await stream.readAtLeast(entries.length);
    const doomed = entries[1]?.eventId;
    endpoint.setEntryFault((entry) =>
      entryKey(entry) === doomed
        ? { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'not allowed' }
        : undefined,
    );
    const log = logger();

    const result = await publishStreamRecords(
      records.map(fromLambdaRecord),
      publisher({ logger: log }),
    );

    expect(sendsOf(doomed ?? '')).toHaveLength(1);
    const doomedRecord = historyRecords(records).find(
      (record) => record.dynamodb?.NewImage?.eventId?.S === doomed,
    );
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: doomedRecord?.dynamodb?.SequenceNumber },
    ]);
    expect(log.error).toHaveBeenCalledWith(
      'event could not be published',
      expect.objectContaining({
        eventId: doomed,
        errorCode: 'NotAuthorizedForSourceException',
        retryable: false,
      }),
    );
  });

  it('retries a PutEvents request that failed as a whole', async () => {
    const entries = await writeHistory(2);
    const records = await stream.readAtLeast(entries.length);
    endpoint.setRequestFault((n) =>
      n === 1 ? { status: 500, type: 'InternalException' } : undefined,
    );

    const result = await publishStreamRecords(records.map(fromLambdaRecord), publisher());

    expect(endpoint.requests[0]?.error).toBe('InternalException');
    expect(result.batchItemFailures).toEqual([]);
    expect(deliveredIds().sort()).toEqual(entries.map((entry) => entry.eventId).sort());
  });

  it('ignores MODIFY and REMOVE records, history ones included', async () => {
    const entries = await driveOrder(store, 8, [[[80, 'waiting']]]);
    const inserted = await stream.readAtLeast(2);
    await publishStreamRecords(inserted.map(fromLambdaRecord), publisher());
    const entry = entries[0] as HistoryEntry;
    await table.client.send(
      new DeleteCommand({
        TableName: table.tableName,
        Key: { ...orderKey(8), [SORT_KEY]: historySortKey(entry.observedAt, 80, 1) },
      }),
    );
    await driveOrder(store, 8, []); // trackOrder on a tracked order: no write at all
    const later = await stream.readAtLeast(1);

    const result = await publishStreamRecords(later.map(fromLambdaRecord), publisher());

    expect(later.map((record) => record.eventName)).toContain('REMOVE');
    expect(result).toMatchObject({
      published: 0,
      failed: 0,
      skipped: later.length,
      batchItemFailures: [],
    });
    expect(endpoint.delivered).toHaveLength(1);
  });

  it('reports a history item that breaks the contract and publishes the others', async () => {
    const entries = await driveOrder(store, 6, [[[60, 'waiting']]]);
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...orderKey(6),
          [SORT_KEY]: 'HISTORY#broken',
          [ENTITY_ATTRIBUTE]: ENTITY.history,
          orderId: 6,
        },
      }),
    );
    const records = await stream.readAtLeast(entries.length + 2);
    const broken = records.find(
      (record) => record.dynamodb?.Keys?.[SORT_KEY]?.S === 'HISTORY#broken',
    );
    const log = logger();

    const result = await publishStreamRecords(
      records.map(fromLambdaRecord),
      publisher({ logger: log }),
    );

    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: broken?.dynamodb?.SequenceNumber },
    ]);
    expect(deliveredIds()).toEqual(entries.map((entry) => entry.eventId));
    expect(log.error).toHaveBeenCalledWith(
      'history record cannot become an event',
      expect.objectContaining({ sequenceNumber: broken?.dynamodb?.SequenceNumber }),
    );
  });

  it('reports, without sending, an event larger than a whole PutEvents request', async () => {
    const huge = paymentSession(3, 30, `failed:${'x'.repeat(270 * 1024)}`);
    const entries = await driveOrder(store, 3, [[huge]]);
    const records = await stream.readAtLeast(2);
    const log = logger();

    const result = await publishStreamRecords(
      records.map(fromLambdaRecord),
      publisher({ logger: log }),
    );

    expect(endpoint.requests).toHaveLength(0);
    expect(result.failed).toBe(1);
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: historyRecords(records)[0]?.dynamodb?.SequenceNumber },
    ]);
    expect(log.error).toHaveBeenCalledWith(
      'event could not be published',
      expect.objectContaining({
        eventId: entries[0]?.eventId,
        errorCode: 'EventTooLargeError',
        retryable: false,
      }),
    );
  });
});

describe('batching at the wire', () => {
  it('sends more than 10 entries in requests of at most 10', async () => {
    const entries = await writeHistory(8);
    const records = await stream.readAtLeast(entries.length);

    await publishStreamRecords(records.map(fromLambdaRecord), publisher());

    expect(entries).toHaveLength(24);
    expect(endpoint.requests.map((request) => request.entries.length)).toEqual([10, 10, 4]);
    expect(endpoint.requests.every((request) => request.results !== undefined)).toBe(true);
  });

  it('splits entries that together pass 256 KB, filling requests close to the limit', async () => {
    const big = (orderId: number) =>
      paymentSession(orderId, orderId * 10, `completed:${'y'.repeat(60 * 1024)}`);
    for (let orderId = 1; orderId <= 6; orderId++)
      await driveOrder(store, orderId, [[big(orderId)]]);
    const records = await stream.readAtLeast(12);

    const result = await publishStreamRecords(records.map(fromLambdaRecord), publisher());

    expect(result.batchItemFailures).toEqual([]);
    expect(endpoint.delivered).toHaveLength(6);
    // About 61 KB each: four fit in 256 KB, the fifth does not.
    expect(endpoint.requests.map((request) => request.entries.length)).toEqual([4, 2]);
    expect(endpoint.requests.every((request) => request.error === undefined)).toBe(true);
  });
});
