/**
 * A record of the DynamoDB Streams API (SDK) as the domain's plain stream record: what the
 * publisher handler makes of Lambda's shape, the local tailer makes of the SDK's.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type {
  _Record as StreamsRecord,
  AttributeValue as StreamsValue,
} from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type StreamRecord, streamRecordOf } from '../../functions/core/events/stream-record';

type Image = Record<string, StreamsValue>;

/** The SDK deserializes an empty map (`{"M":{}}` on the wire) to a bare `{}`: put it back. */
function restoreEmptyMaps(value: StreamsValue): AttributeValue {
  if (value.M !== undefined) return { M: restoreImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(restoreEmptyMaps) };
  if (Object.keys(value).length === 0) return { M: {} };
  return value as AttributeValue;
}

const restoreImage = (image: Image): Record<string, AttributeValue> =>
  Object.fromEntries(Object.entries(image).map(([name, value]) => [name, restoreEmptyMaps(value)]));

const decode = (image: Image) => unmarshall(restoreImage(image));

export function fromStreamsRecord(record: StreamsRecord, streamArn: string): StreamRecord {
  const stream = record.dynamodb ?? {};
  return streamRecordOf(
    {
      sequenceNumber: stream.SequenceNumber ?? '',
      eventName: record.eventName,
      approximateCreationDateTime: stream.ApproximateCreationDateTime
        ? Math.floor(stream.ApproximateCreationDateTime.getTime() / 1000)
        : undefined,
      streamArn,
    },
    () => ({
      keys: stream.Keys ? decode(stream.Keys) : {},
      newImage: stream.NewImage ? decode(stream.NewImage) : undefined,
    }),
  );
}
