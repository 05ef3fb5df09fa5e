/**
 * The SQS side of the failure destination, which this machine cannot reach: the queue is
 * played by aws-sdk-client-mock; the table and PutEvents are the real local stand-ins.
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { permanentFailure } from '../../functions/core/events/dead-letters';
import { SqsFailureDestination } from '../../functions/core/events/failure-destinations';
import { EventPublisher } from '../../functions/core/events/publisher';
import { Republisher, redriveDeadLetters } from '../../functions/core/events/republish';
import type { StreamRecord } from '../../functions/core/events/stream-record';
import { HistoryReader } from '../../functions/core/history/reader';
import { SessionStore } from '../../functions/core/store';
import { historySortKey, orderKey } from '../../functions/core/table';
import { SqsDeadLetters } from '../../infra/local/dead-letter-sources';
import { createTestTable, type TestTable } from '../support/dynamo';
import {
  type EventBridgeEndpoint,
  startEventBridgeEndpoint,
} from '../support/eventbridge-endpoint';
import { driveOrder } from '../support/payment-sessions';

/** A plain stream record with just what a permanent failure message names. */
const streamRecord = (fields: Partial<StreamRecord>): StreamRecord => ({
  sequenceNumber: '',
  eventName: 'INSERT',
  keys: {},
  newImage: undefined,
  approximateCreationDateTime: undefined,
  streamArn: undefined,
  ...fields,
});

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/000000000000/publisher-dlq';
const sqs = mockClient(SQSClient);
const client = new SQSClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
let table: TestTable;
let endpoint: EventBridgeEndpoint;

beforeAll(async () => {
  table = await createTestTable('dlq');
  endpoint = await startEventBridgeEndpoint();
});
beforeEach(() => sqs.reset());
afterAll(async () => {
  sqs.restore();
  await endpoint.close();
  await table.drop();
});

const message = (id: string, body: string) => ({
  MessageId: id,
  ReceiptHandle: `rh-${id}`,
  Body: body,
});

describe('the on-failure queue', () => {
  it('is read ten at a time until it has nothing new, each message offered once', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('a', '1'), message('b', '2')] })
      .resolvesOnce({ Messages: [message('b', '2'), message('c', '3')] })
      .resolvesOnce({ Messages: [message('a', '1')] })
      .resolves({});
    const batches: string[][] = [];
    for await (const letters of new SqsDeadLetters(client, QUEUE).batches()) {
      batches.push(letters.map((letter) => letter.body));
    }
    expect(batches).toEqual([['1', '2'], ['3']]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input).toMatchObject({
      QueueUrl: QUEUE,
      MaxNumberOfMessages: 10,
    });
  });

  it('deletes handled messages in batches of ten and says when a delete fails', async () => {
    sqs
      .on(DeleteMessageBatchCommand)
      .resolvesOnce({ Successful: [] })
      .resolves({
        Failed: [{ Id: '0', Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: 'gone' }],
      });
    const source = new SqsDeadLetters(client, QUEUE);
    const letters = Array.from({ length: 12 }, (_, index) => ({ id: `rh-${index}`, body: '' }));
    await expect(source.remove(letters)).rejects.toThrow('could not be deleted');
    const calls = sqs.commandCalls(DeleteMessageBatchCommand);
    expect(calls.map((call) => call.args[0].input.Entries?.length)).toEqual([10, 2]);
  });

  it('gets the publisher’s permanent failures as JSON with their reason', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
    const failure = permanentFailure(
      streamRecord({ streamArn: 'arn:stream', keys: { pk: 'ORDER#1', sk: 'HISTORY#x' } }),
      { eventId: 'pss-1-1-1', errorCode: 'EventTooLargeError', reason: 'too large' },
    );
    await new SqsFailureDestination(client, QUEUE).send(failure);
    const input = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(input?.QueueUrl).toBe(QUEUE);
    expect(JSON.parse(input?.MessageBody ?? '')).toEqual(failure);
  });

  it('is redriven from the table: the entry goes out with its id, then its message is deleted', async () => {
    const store = new SessionStore({ client: table.client, tableName: table.tableName });
    const [entry] = await driveOrder(store, 7001, [[[71, 'waiting']]]);
    const body = JSON.stringify(
      permanentFailure(
        streamRecord({
          keys: { pk: orderKey(7001).pk, sk: historySortKey(entry!.observedAt, 71, 1) },
        }),
        { eventId: entry!.eventId, errorCode: 'MalformedDetail', reason: 'refused' },
      ),
    );
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('p', body)] })
      .resolves({});
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }] });
    const result = await redriveDeadLetters(
      new SqsDeadLetters(client, QUEUE),
      new HistoryReader({ client: table.client, tableName: table.tableName }),
      new Republisher({ publisher: new EventPublisher({ client: endpoint.client() }) }),
    );
    expect(result).toEqual({ handled: 1, kept: [] });
    expect(endpoint.delivered.map((event) => event.detail.eventId)).toEqual([entry!.eventId]);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0]?.args[0].input.Entries).toEqual([
      { Id: '0', ReceiptHandle: 'rh-p' },
    ]);
  });
});
