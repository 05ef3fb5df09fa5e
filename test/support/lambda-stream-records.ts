/**
 * Stream records as Lambda's DynamoDB event source delivers them, for tests that feed the
 * publisher handler what DynamoDB Local actually wrote. The Streams API (SDK) gives binary as
 * bytes, times as Dates and an empty map as a bare `{}`; Lambda gives base64, epoch seconds and
 * `{"M":{}}`.
 */
import type {
  _Record as StreamsRecord,
  AttributeValue as StreamsValue,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';

export function toLambdaValue(value: StreamsValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) ?? {} };
  // The SDK deserializes an empty map (`{"M":{}}` on the wire) to a bare `{}`.
  if (Object.keys(value).length === 0) return { M: {} };
  throw new TypeError(`unsupported attribute value ${JSON.stringify(value)}`);
}

function toLambdaImage(image: Record<string, StreamsValue> | undefined) {
  if (!image) return undefined;
  return Object.fromEntries(
    Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]),
  );
}

export function toLambdaRecord(record: StreamsRecord, streamArn: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: stream.ApproximateCreationDateTime
        ? Math.floor(stream.ApproximateCreationDateTime.getTime() / 1000)
        : undefined,
      Keys: toLambdaImage(stream.Keys),
      NewImage: toLambdaImage(stream.NewImage),
      OldImage: toLambdaImage(stream.OldImage),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType,
    },
  };
}
