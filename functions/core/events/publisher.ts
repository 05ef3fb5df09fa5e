/**
 * Publishes history entries to EventBridge: one event per entry, sent in PutEvents batches
 * within the service's limits, with failed entries (and only those) retried with backoff.
 * Lambda-free: the publisher function and the local runtime both call `publishStreamRecords`.
 */
import {
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { fullJitter } from '../backoff';
import { DEFAULT_EVENT_SOURCE, detailTypeFor, type PaymentSessionEventDetail } from './contract';
import { type FailureDestination, permanentFailure } from './dead-letters';
import { EventTooLargeError } from './errors';
import { dispositionOf } from './records';
import { type BatchLimits, DEFAULT_BATCH_LIMITS, entrySize, planBatches } from './size';
import type { StreamRecord } from './stream-record';

/** What the publisher needs of an `EventBridgeClient`; a real client satisfies it. */
export interface PutEventsClient {
  send(command: PutEventsCommand): Promise<PutEventsCommandOutput>;
}

/** What the publisher needs of a logger; Powertools' `Logger` satisfies it. */
export interface PublisherLogger {
  error(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
}

export interface EventPublisherOptions {
  client: PutEventsClient;
  /** The `source` of every event. Default `oneentry.payments`. */
  source?: string;
  /** Bus to publish to. Default `default`. */
  eventBusName?: string;
  /** Attempts per entry, the first included. Default 4. */
  maxAttempts?: number;
  /** Backoff before the second attempt, doubled for each further one (full jitter). Default 100. */
  baseDelayMs?: number;
  /** Longest backoff, in ms. Default 2000. */
  maxDelayMs?: number;
  /** PutEvents requests in flight at once. Default 4. */
  concurrency?: number;
  /** Default: EventBridge's own limits (10 entries, 256 KiB). */
  limits?: BatchLimits;
  /** Default: silent. */
  logger?: PublisherLogger;
  /** Injected by tests to skip real waiting. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected by tests for deterministic jitter. Default `Math.random`. */
  random?: () => number;
}

export type PublishOutcome =
  | { published: true; eventId: string; eventBridgeId: string; attempts: number }
  | {
      published: false;
      eventId: string;
      errorCode: string;
      errorMessage: string;
      /** False when retrying cannot help (e.g. access denied, malformed, too large). */
      retryable: boolean;
      attempts: number;
    };

/**
 * Per-entry codes EventBridge documents as non-retryable; any other code (InternalFailure,
 * ThrottlingException and codes added later) is retried, which at worst costs a few attempts.
 */
const PERMANENT_ERROR_CODES = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
  'ValidationException',
  EventTooLargeError.name,
]);

export const isRetryableErrorCode = (code: string) => !PERMANENT_ERROR_CODES.has(code);

interface Pending {
  index: number;
  eventId: string;
  orderId: number;
  entry: PutEventsRequestEntry;
  size: number;
}

type AttemptResult =
  | { ok: true; eventBridgeId: string }
  | { ok: false; code: string; message: string };

const silent: PublisherLogger = { error() {}, warn() {} };
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class EventPublisher {
  readonly source: string;
  readonly eventBusName: string;
  private readonly client: PutEventsClient;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly concurrency: number;
  private readonly limits: BatchLimits;
  readonly logger: PublisherLogger;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: EventPublisherOptions) {
    this.client = options.client;
    this.source = options.source ?? DEFAULT_EVENT_SOURCE;
    this.eventBusName = options.eventBusName ?? 'default';
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 2000;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.limits = options.limits ?? DEFAULT_BATCH_LIMITS;
    this.logger = options.logger ?? silent;
    this.sleep = options.sleep ?? delay;
    this.random = options.random ?? Math.random;
  }

  /** The PutEvents entry of one event. `Time` is when the tracker saw the change. */
  toEntry(detail: PaymentSessionEventDetail): PutEventsRequestEntry {
    return {
      Source: this.source,
      DetailType: detailTypeFor(detail.kind),
      Detail: JSON.stringify(detail),
      EventBusName: this.eventBusName,
      Time: new Date(detail.observedAt),
    };
  }

  /**
   * Publishes the events; the outcomes line up with `details`. Never throws for a failed
   * event: each failure is an outcome, logged at error level, for the caller to report.
   */
  async publish(details: readonly PaymentSessionEventDetail[]): Promise<PublishOutcome[]> {
    const outcomes: PublishOutcome[] = new Array(details.length);
    let pending: Pending[] = [];
    details.forEach((detail, index) => {
      const entry = this.toEntry(detail);
      const size = entrySize(entry);
      if (size > this.limits.maxBytes) {
        const error = new EventTooLargeError(detail.eventId, size, this.limits.maxBytes);
        outcomes[index] = this.failed(detail, error.name, error.message, 0);
      } else {
        pending.push({ index, eventId: detail.eventId, orderId: detail.orderId, entry, size });
      }
    });
    const last = new Map<number, { code: string; message: string }>();
    for (let attempt = 1; pending.length > 0 && attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) {
        this.logger.warn('retrying events EventBridge did not accept', {
          attempt,
          count: pending.length,
          errorCodes: [...new Set(pending.map((item) => last.get(item.index)?.code))],
        });
        await this.sleep(
          Math.round(
            fullJitter(attempt - 1, {
              baseDelayMs: this.baseDelayMs,
              maxDelayMs: this.maxDelayMs,
              random: this.random,
            }),
          ),
        );
      }
      const retry: Pending[] = [];
      const batches = planBatches(pending, (item) => item.size, this.limits);
      await forEachLimited(batches, this.concurrency, async (batch) => {
        const results = await this.send(batch);
        batch.forEach((item, position) => {
          const result = results[position] as AttemptResult;
          if (result.ok) {
            outcomes[item.index] = {
              published: true,
              eventId: item.eventId,
              eventBridgeId: result.eventBridgeId,
              attempts: attempt,
            };
          } else if (isRetryableErrorCode(result.code) && attempt < this.maxAttempts) {
            last.set(item.index, result);
            retry.push(item);
          } else {
            outcomes[item.index] = this.failed(
              details[item.index],
              result.code,
              result.message,
              attempt,
            );
          }
        });
      });
      // Keep stream order for the next round, whatever order the batches finished in.
      pending = retry.sort((a, b) => a.index - b.index);
    }
    return outcomes;
  }

  /** One PutEvents call; a thrown error fails every entry of the batch with its name. */
  private async send(batch: readonly Pending[]): Promise<AttemptResult[]> {
    try {
      const output = await this.client.send(
        new PutEventsCommand({ Entries: batch.map((item) => item.entry) }),
      );
      return batch.map((_, position) => {
        const result = output.Entries?.[position];
        if (result?.EventId && !result.ErrorCode)
          return { ok: true, eventBridgeId: result.EventId };
        return {
          ok: false,
          code: result?.ErrorCode ?? 'InternalFailure',
          message: result?.ErrorMessage ?? 'EventBridge returned no result for this entry',
        };
      });
    } catch (error) {
      const code = error instanceof Error ? error.name : 'UnknownError';
      const message = error instanceof Error ? error.message : String(error);
      return batch.map(() => ({ ok: false, code, message }));
    }
  }

  private failed(
    detail: PaymentSessionEventDetail | undefined,
    errorCode: string,
    errorMessage: string,
    attempts: number,
  ): PublishOutcome {
    const retryable = isRetryableErrorCode(errorCode);
    const eventId = detail?.eventId ?? '(unknown)';
    this.logger.error('event could not be published', {
      eventId,
      orderId: detail?.orderId,
      sessionId: detail?.sessionId,
      kind: detail?.kind,
      errorCode,
      errorMessage,
      retryable,
      attempts,
    });
    return { published: false, eventId, errorCode, errorMessage, retryable, attempts };
  }
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export interface StreamPublishResult {
  /**
   * The records to deliver again, by sequence number, in the shape of Lambda's partial batch
   * response (so the handler can return it as it is).
   */
  batchItemFailures: { itemIdentifier: string }[];
  /** Events EventBridge accepted. */
  published: number;
  /** Records that are not history inserts. */
  skipped: number;
  /** Records that can never be published, sent to the failure destination at once. */
  deadLettered: number;
  /** Records reported in `batchItemFailures`. */
  failed: number;
}

/**
 * Publishes the history entries among `records` (a DynamoDB stream batch) and reports the
 * records it could not publish by sequence number, as Lambda's partial batch
 * response expects. Lambda then resumes from the lowest failed record, and after its retries
 * sends the batch to the on-failure destination: nothing is dropped. Records after a failed
 * one may be delivered again; they carry the same `eventId`, which subscribers deduplicate on.
 */
export async function publishStreamRecords(
  records: readonly StreamRecord[],
  publisher: EventPublisher,
  failureDestination?: FailureDestination,
): Promise<StreamPublishResult> {
  const { logger } = publisher;
  const failed = new Set<number>();
  const permanent: { index: number; eventId?: string; errorCode: string; reason: string }[] = [];
  const toPublish: { index: number; detail: PaymentSessionEventDetail }[] = [];
  let skipped = 0;
  records.forEach((record, index) => {
    const disposition = dispositionOf(record);
    if (disposition.action === 'skip') skipped++;
    else if (disposition.action === 'publish')
      toPublish.push({ index, detail: disposition.detail });
    else {
      logger.error('history record cannot become an event', {
        sequenceNumber: disposition.error.sequenceNumber,
        problems: disposition.error.problems,
        error: disposition.error.message,
      });
      permanent.push({
        index,
        eventId: typeof record.newImage?.eventId === 'string' ? record.newImage.eventId : undefined,
        errorCode: disposition.error.name,
        reason: disposition.error.message,
      });
    }
  });
  const outcomes = await publisher.publish(toPublish.map((item) => item.detail));
  let published = 0;
  outcomes.forEach((outcome, position) => {
    const { index } = toPublish[position] as { index: number };
    if (outcome.published) published++;
    else if (!outcome.retryable)
      permanent.push({
        index,
        eventId: outcome.eventId,
        errorCode: outcome.errorCode,
        reason: outcome.errorMessage,
      });
    else failed.add(index);
  });
  // Retrying cannot help these: with a destination they go there now, with their reason,
  // instead of holding up the shard through every retry; without one, Lambda retries them.
  let deadLettered = 0;
  for (const item of permanent) {
    const record = records[item.index] as StreamRecord;
    try {
      if (!failureDestination) throw new Error('no failure destination configured');
      await failureDestination.send(permanentFailure(record, item));
      deadLettered++;
    } catch (error) {
      if (failureDestination) {
        logger.error('permanent failure could not be sent to the failure destination', {
          eventId: item.eventId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      failed.add(item.index);
    }
  }
  const batchItemFailures = [...failed]
    .sort((a, b) => a - b)
    // A record without a sequence number cannot be named; an empty identifier makes Lambda
    // retry the whole batch, which is the safe side.
    .map((index) => ({ itemIdentifier: records[index]?.sequenceNumber ?? '' }));
  return { batchItemFailures, published, skipped, deadLettered, failed: failed.size };
}
