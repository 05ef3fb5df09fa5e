/**
 * Which stream records become events (the rule is `EVENT_RECORD`), and the event each carries.
 * Everything else in the table (orders, leases, receipts, credentials) and every MODIFY or
 * REMOVE is skipped.
 */
import type { HistoryEntry } from '../model';
import { ENTITY, ENTITY_ATTRIBUTE, SORT_KEY } from '../table';
import {
  type PaymentSessionEventDetail,
  paymentSessionEventDetailSchema,
  SCHEMA_VERSION,
} from './contract';
import { InvalidHistoryRecordError } from './errors';
import { EVENT_RECORD, type StreamRecord } from './stream-record';

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
  if (entry.kind === 'untracked') {
    return {
      ...common,
      pendingSessionIds: entry.pendingSessionIds ?? [],
      reason: entry.reason,
      requestedBy: entry.requestedBy,
    };
  }
  return {
    ...common,
    amount: entry.amount,
    paymentAccountId: entry.paymentAccountId,
    type: entry.sessionType,
    updatedDate: entry.updatedDate,
  };
}

function isHistoryItem(record: StreamRecord): boolean | undefined {
  const entity = record.newImage?.[ENTITY_ATTRIBUTE];
  if (entity !== undefined) return entity === ENTITY.history;
  // No image: tell by the key, so a misconfigured stream fails history loudly, not silently.
  const sortKey = record.keys[SORT_KEY];
  return typeof sortKey === 'string' ? sortKey.startsWith('HISTORY#') : undefined;
}

export function dispositionOf(record: StreamRecord): RecordDisposition {
  const { sequenceNumber } = record;
  if (record.eventName !== EVENT_RECORD.eventName)
    return { action: 'skip', reason: `${record.eventName ?? 'unknown'} record` };
  if (record.imageError !== undefined) {
    return {
      action: 'reject',
      error: new InvalidHistoryRecordError(sequenceNumber, [record.imageError]),
    };
  }
  const history = isHistoryItem(record);
  if (history === false) return { action: 'skip', reason: 'not a history item' };
  const item = record.newImage;
  if (history === undefined || item === undefined) {
    return {
      action: 'reject',
      error: new InvalidHistoryRecordError(sequenceNumber, [
        'the record carries no NewImage: the stream view type must include new images',
      ]),
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
