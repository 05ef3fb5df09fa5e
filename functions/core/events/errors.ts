/** Errors of the event publisher. Each one names the history entry or stream record it concerns. */

/** A history item in the stream does not satisfy the event contract: it can never be published. */
export class InvalidHistoryRecordError extends Error {
  override readonly name = 'InvalidHistoryRecordError';
  constructor(
    readonly sequenceNumber: string | undefined,
    readonly problems: readonly string[],
  ) {
    super(
      `stream record ${sequenceNumber ?? '(no sequence number)'} is not a valid history entry: ${problems.join('; ')}`,
    );
  }
}

/** One event is larger than a whole PutEvents request may be: it can never be published. */
export class EventTooLargeError extends Error {
  override readonly name = 'EventTooLargeError';
  constructor(
    readonly eventId: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`event ${eventId} is ${size} bytes, over the ${limit}-byte PutEvents limit`);
  }
}
