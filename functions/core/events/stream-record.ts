/**
 * A table stream record as the domain sees it: plain values, already decoded. Lambda's event
 * source and the DynamoDB Streams API each deliver their own shape; the publisher handler and
 * the local stream tailer adapt theirs to this one.
 */
import { ENTITY, ENTITY_ATTRIBUTE } from '../table';

export interface StreamRecord {
  /** Orders the shard's records; Lambda's partial batch response names records by it. */
  sequenceNumber: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' | undefined;
  /** The item's keys, decoded. */
  keys: Record<string, unknown>;
  /** The item after the change, decoded; undefined when the stream carries no new image. */
  newImage: Record<string, unknown> | undefined;
  /** Why the new image could not be decoded, when it could not (the record is then rejected). */
  imageError?: string;
  /** When DynamoDB wrote the change (epoch seconds, whole). */
  approximateCreationDateTime: number | undefined;
  /** The stream the record came from. */
  streamArn: string | undefined;
}

/** A record's images, decoded by its source's adapter. */
export interface DecodedImages {
  keys: Record<string, unknown>;
  newImage: Record<string, unknown> | undefined;
}

/**
 * The plain record of `metadata` and its images as `decode` gives them. An image that cannot
 * be decoded rejects its record with the reason, not the record's batch.
 */
export function streamRecordOf(
  metadata: Omit<StreamRecord, keyof DecodedImages | 'imageError'>,
  decode: () => DecodedImages,
): StreamRecord {
  try {
    return { ...metadata, ...decode() };
  } catch (error) {
    const imageError = error instanceof Error ? error.message : String(error);
    return { ...metadata, keys: {}, newImage: undefined, imageError };
  }
}

/**
 * The one rule of what becomes an event: a history item was inserted. History items are
 * written once and never updated, so each insert is exactly one event. The stack's event
 * source filter and the local tailer are built from these two values.
 */
export const EVENT_RECORD = { eventName: 'INSERT', entity: ENTITY.history } as const;

export function isEventRecord(record: Pick<StreamRecord, 'eventName' | 'newImage'>): boolean {
  return (
    record.eventName === EVENT_RECORD.eventName &&
    record.newImage?.[ENTITY_ATTRIBUTE] === EVENT_RECORD.entity
  );
}
