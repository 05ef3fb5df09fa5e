/**
 * Lambda's DynamoDB stream record (the `AttributeValue` JSON shape) as the domain's plain
 * record. `unmarshall` throws on a number too large to be exact instead of rounding it.
 */
import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { type StreamRecord, streamRecordOf } from '../core/events/stream-record';

type Image = Record<string, AttributeValue>;

/** Lambda's `AttributeValue` is the wire shape the SDK's types also describe. */
const decode = (image: Image) => unmarshall(image as Record<string, SdkAttributeValue>);

export function fromLambdaRecord(record: DynamoDBRecord): StreamRecord {
  const stream = record.dynamodb ?? {};
  return streamRecordOf(
    {
      sequenceNumber: stream.SequenceNumber ?? '',
      eventName: record.eventName,
      approximateCreationDateTime: stream.ApproximateCreationDateTime,
      streamArn: record.eventSourceARN,
    },
    () => ({
      keys: stream.Keys ? decode(stream.Keys) : {},
      newImage: stream.NewImage ? decode(stream.NewImage) : undefined,
    }),
  );
}
