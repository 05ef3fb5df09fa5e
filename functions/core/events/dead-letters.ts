/**
 * What lands in the publisher's failure destination (the SQS on-failure queue in AWS,
 * `$DATA_DIR/dead-letter.jsonl` locally), in two shapes:
 *
 * - a **stream batch** Lambda gave up on after its retries: only the batch's metadata
 *   (`DDBStreamBatchInfo`: shard, sequence numbers, arrival times), never the records. The
 *   stream keeps records 24 hours; the table keeps the history entries for good, so a redrive
 *   reads them from the table by the batch's arrival window.
 * - a **permanent failure** the publisher sent itself, at once, for a record that can never be
 *   published as it is (invalid, too large): the reason and the entry's table keys.
 */
import { z } from 'zod';
import { PARTITION_KEY, SORT_KEY } from '../table';
import type { StreamRecord } from './stream-record';

/**
 * How far before a batch's first arrival its entries may have been observed: the tracker
 * stamps `observedAt` just before its write, and arrival times have whole seconds.
 */
export const ARRIVAL_MARGIN_MS = 120_000;

/** Lambda's on-failure message for a DynamoDB stream batch (the parts a redrive needs). */
export const streamBatchFailureSchema = z.looseObject({
  DDBStreamBatchInfo: z.looseObject({
    shardId: z.string(),
    startSequenceNumber: z.string(),
    endSequenceNumber: z.string(),
    approximateArrivalOfFirstRecord: z.iso.datetime({ offset: true }),
    approximateArrivalOfLastRecord: z.iso.datetime({ offset: true }),
    batchSize: z.number().int(),
    streamArn: z.string(),
  }),
});
export type StreamBatchFailure = z.output<typeof streamBatchFailureSchema>;

export const PERMANENT_FAILURE_SOURCE = 'payment-session-watch/publisher';

export const permanentFailureSchema = z.object({
  source: z.literal(PERMANENT_FAILURE_SOURCE),
  /** The error code (e.g. `EventTooLargeError`, `InvalidHistoryRecordError`, `MalformedDetail`). */
  errorCode: z.string(),
  /** What is wrong, in words. */
  reason: z.string(),
  failedAt: z.iso.datetime(),
  record: z.object({
    eventId: z.string().optional(),
    keys: z.object({ pk: z.string(), sk: z.string() }),
    sequenceNumber: z.string().optional(),
    streamArn: z.string().optional(),
  }),
});
export type PermanentFailure = z.output<typeof permanentFailureSchema>;

export type DeadLetterMessage =
  | { kind: 'stream-batch'; message: StreamBatchFailure }
  | { kind: 'permanent'; message: PermanentFailure }
  | { kind: 'unknown'; problem: string };

export function parseDeadLetter(body: string): DeadLetterMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'unknown', problem: 'not JSON' };
  }
  const permanent = permanentFailureSchema.safeParse(json);
  if (permanent.success) return { kind: 'permanent', message: permanent.data };
  const batch = streamBatchFailureSchema.safeParse(json);
  if (batch.success) return { kind: 'stream-batch', message: batch.data };
  return {
    kind: 'unknown',
    problem: 'neither a stream batch failure (DDBStreamBatchInfo) nor a publisher failure',
  };
}

/** The `observedAt` window that holds every entry of a failed stream batch. */
export function arrivalWindow(info: StreamBatchFailure['DDBStreamBatchInfo']): {
  from: Date;
  to: Date;
} {
  return {
    from: new Date(Date.parse(info.approximateArrivalOfFirstRecord) - ARRIVAL_MARGIN_MS),
    // Arrival times are rounded to whole seconds; an entry is observed before it arrives.
    to: new Date(Date.parse(info.approximateArrivalOfLastRecord) + 1000),
  };
}

const arrivalOf = (record: StreamRecord) =>
  new Date((record.approximateCreationDateTime ?? Date.now() / 1000) * 1000).toISOString();

/** Lambda's on-failure message for `records` (the local stream tailer writes these). */
export function streamBatchFailure(
  records: readonly StreamRecord[],
  context: { functionArn: string; shardId: string; approximateInvokeCount: number },
): StreamBatchFailure {
  const first = records[0];
  const last = records.at(-1);
  if (!first || !last) throw new RangeError('a failed batch has at least one record');
  return {
    requestContext: {
      requestId: crypto.randomUUID(),
      functionArn: context.functionArn,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: context.approximateInvokeCount,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: null },
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: context.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: arrivalOf(first),
      approximateArrivalOfLastRecord: arrivalOf(last),
      batchSize: records.length,
      streamArn: first.streamArn ?? '',
    },
  };
}

/** The message the publisher sends for a record that can never be published as it is. */
export function permanentFailure(
  record: StreamRecord,
  failure: { eventId?: string | undefined; errorCode: string; reason: string },
): PermanentFailure {
  const key = (name: string) => {
    const value = record.keys[name];
    return typeof value === 'string' ? value : '';
  };
  return {
    source: PERMANENT_FAILURE_SOURCE,
    errorCode: failure.errorCode,
    reason: failure.reason,
    failedAt: new Date().toISOString(),
    record: {
      ...(failure.eventId ? { eventId: failure.eventId } : {}),
      keys: { pk: key(PARTITION_KEY), sk: key(SORT_KEY) },
      ...(record.sequenceNumber ? { sequenceNumber: record.sequenceNumber } : {}),
      ...(record.streamArn ? { streamArn: record.streamArn } : {}),
    },
  };
}

/** Where the publisher sends permanent failures. */
export interface FailureDestination {
  /** Throws when the message could not be sent (the record is then retried instead). */
  send(message: PermanentFailure): Promise<void>;
}
