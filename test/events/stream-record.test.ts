import type {
  _Record as StreamsRecord,
  AttributeValue as StreamsValue,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { dispositionOf } from '../../functions/core/events/records';
import { isEventRecord } from '../../functions/core/events/stream-record';
import { fromLambdaRecord } from '../../functions/publisher/stream-record';
import { fromStreamsRecord } from '../../infra/local/stream-records';

const lambdaRecord = (newImage: Record<string, unknown>): DynamoDBRecord =>
  ({
    eventName: 'INSERT',
    eventSourceARN: 'arn:aws:dynamodb:eu-west-1:1:table/t/stream/x',
    dynamodb: {
      SequenceNumber: '100',
      ApproximateCreationDateTime: 1_700_000_000,
      Keys: { pk: { S: 'ORDER#1' }, sk: { S: 'HISTORY#x' } },
      NewImage: newImage,
    },
  }) as DynamoDBRecord;

describe("Lambda's stream record as the domain's plain record", () => {
  it('decodes keys and the new image to plain values', () => {
    const record = fromLambdaRecord(
      lambdaRecord({ entity: { S: 'history' }, orderId: { N: '1' }, resolved: { BOOL: true } }),
    );
    expect(record).toEqual({
      sequenceNumber: '100',
      eventName: 'INSERT',
      keys: { pk: 'ORDER#1', sk: 'HISTORY#x' },
      newImage: { entity: 'history', orderId: 1, resolved: true },
      approximateCreationDateTime: 1_700_000_000,
      streamArn: 'arn:aws:dynamodb:eu-west-1:1:table/t/stream/x',
    });
    expect(isEventRecord(record)).toBe(true);
  });

  it('keeps a number too large to be exact whole (a BigInt), so the contract rejects it', () => {
    const record = fromLambdaRecord(
      lambdaRecord({ entity: { S: 'history' }, orderId: { N: '12345678901234567890' } }),
    );
    expect(record.newImage?.orderId).toBe(12345678901234567890n);
    const disposition = dispositionOf(record);
    expect(disposition.action).toBe('reject');
  });

  it('turns an image it cannot decode into a rejection with the reason', () => {
    const record = fromLambdaRecord(lambdaRecord({ entity: { S: 'history' }, odd: { X: '1' } }));
    expect(record.imageError).toBeTruthy();
    expect(dispositionOf(record)).toMatchObject({ action: 'reject' });
  });

  it('is not an event unless a history item was inserted', () => {
    const order = fromLambdaRecord(lambdaRecord({ entity: { S: 'order' } }));
    expect(isEventRecord(order)).toBe(false);
    expect(isEventRecord({ ...order, eventName: 'MODIFY', newImage: { entity: 'history' } })).toBe(
      false,
    );
  });
});

describe("the Streams API's record (the local tailer's) as the same plain record", () => {
  const streamsRecord = (newImage: Record<string, StreamsValue>): StreamsRecord => ({
    eventName: 'INSERT',
    dynamodb: {
      SequenceNumber: '100',
      ApproximateCreationDateTime: new Date(1_700_000_000_500),
      Keys: { pk: { S: 'ORDER#1' }, sk: { S: 'HISTORY#x' } },
      NewImage: newImage,
    },
  });
  const arn = 'arn:aws:dynamodb:local:0:table/t/stream/x';

  it('equals what Lambda delivers for the same change, empty maps and seconds included', () => {
    const image = { entity: { S: 'history' }, orderId: { N: '1' }, raw: { M: {} } };
    // The SDK hands an empty map back as a bare {}.
    const local = fromStreamsRecord(
      streamsRecord({ ...image, raw: {} as StreamsValue, nested: { L: [{} as StreamsValue] } }),
      arn,
    );
    const lambda = fromLambdaRecord({
      ...lambdaRecord({ ...image, nested: { L: [{ M: {} }] } }),
      eventSourceARN: arn,
    });
    expect(local).toEqual(lambda);
    expect(local.newImage).toEqual({ entity: 'history', orderId: 1, raw: {}, nested: [{}] });
  });

  it('turns an image it cannot decode into a rejection with the reason', () => {
    const record = fromStreamsRecord(
      streamsRecord({ entity: { S: 'history' }, odd: { X: '1' } as unknown as StreamsValue }),
      arn,
    );
    expect(record.imageError).toBeTruthy();
    expect(dispositionOf(record)).toMatchObject({ action: 'reject' });
  });
});
