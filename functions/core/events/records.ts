/**
 * Which stream records become events. Only INSERTs of history items do: history items are
 * written once and never updated, so each insert is exactly one event. Everything else in the
 * table (orders, leases, webhook receipts) and every MODIFY/REMOVE is skipped.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import type { HistoryEntry } from '../model';
import { ENTITY, ENTITY_ATTRIBUTE, SORT_KEY } from '../table';
import {
  type PaymentSessionEventDetail,
  paymentSessionEventDetailSchema,
  SCHEMA_VERSION,
} from './contract';
import { InvalidHistoryRecordError } from './errors';
import { decodeImage } from './image';

export type RecordDisposition =
  | { action: 'skip'; reason: string }
  | { action: 'publish'; detail: PaymentSessionEventDetail }
  | { action: 'reject'; error: InvalidHistoryRecordError };

/**
 * Builds the detail field by field (never by spreading the item), so nothing outside the
 * contract, such as a secret someone later stores on the item, can reach the bus. The parse
 * then checks the entry is internally consistent (e.g. `resolved` agrees with `kind`).
 */
export function toEventDetail(entry: HistoryEntry): PaymentSessionEventDetail {
  return paymentSessionEventDetailSchema.parse(detailCandidate(entry));
}

function detailCandidate(entry: Partial<HistoryEntry>): Record<string, unknown> {
  const common = {
    schemaVersion: SCHEMA_VERSION,
    eventId: entry.eventId,
    orderId: entry.orderId,
    seq: entry.seq,
    observedAt: entry.observedAt,
    kind: entry.kind,
    sessionId: entry.sessionId,
    previousStatus: entry.previousStatus,
    status: entry.status,
    resolved: entry.resolved,
  };
  if (entry.kind === 'expired')
    return { ...common, pendingSessionIds: entry.pendingSessionIds ?? [] };
  return {
    ...common,
    amount: entry.amount,
    paymentAccountId: entry.paymentAccountId,
    type: entry.sessionType,
    updatedDate: entry.updatedDate,
  };
}

function isHistoryItem(record: DynamoDBRecord): boolean | undefined {
  const entity = record.dynamodb?.NewImage?.[ENTITY_ATTRIBUTE]?.S;
  if (entity !== undefined) return entity === ENTITY.history;
  // No image: tell by the key, so a misconfigured stream fails history loudly, not silently.
  const sortKey = record.dynamodb?.Keys?.[SORT_KEY]?.S;
  return sortKey === undefined ? undefined : sortKey.startsWith('HISTORY#');
}

export function dispositionOf(record: DynamoDBRecord): RecordDisposition {
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  if (record.eventName !== 'INSERT')
    return { action: 'skip', reason: `${record.eventName ?? 'unknown'} record` };
  const history = isHistoryItem(record);
  if (history === false) return { action: 'skip', reason: 'not a history item' };
  const image = record.dynamodb?.NewImage;
  if (history === undefined || image === undefined) {
    return {
      action: 'reject',
      error: new InvalidHistoryRecordError(sequenceNumber, [
        'the record carries no NewImage: the stream view type must include new images',
      ]),
    };
  }
  let item: Record<string, unknown>;
  try {
    item = decodeImage(image);
  } catch (error) {
    return {
      action: 'reject',
      error: new InvalidHistoryRecordError(sequenceNumber, [String(error)]),
    };
  }
  const parsed = paymentSessionEventDetailSchema.safeParse(
    detailCandidate(item as Partial<HistoryEntry>),
  );
  if (parsed.success) return { action: 'publish', detail: parsed.data };
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(detail)'}: ${issue.message}`,
  );
  return { action: 'reject', error: new InvalidHistoryRecordError(sequenceNumber, problems) };
}
