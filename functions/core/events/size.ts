/**
 * EventBridge's limits on one `PutEvents` request, and its way of counting an entry's size
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html): the UTF-8
 * bytes of Source, DetailType, Detail and each Resource, plus 14 bytes when Time is set.
 */
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';

export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

export interface BatchLimits {
  /** Entries per request. Default (and EventBridge's maximum) 10. */
  maxEntries: number;
  /** Total entry size per request, in bytes. Default (and EventBridge's maximum) 256 KiB. */
  maxBytes: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = {
  maxEntries: PUT_EVENTS_MAX_ENTRIES,
  maxBytes: PUT_EVENTS_MAX_BYTES,
};

const bytes = (text: string | undefined) =>
  text === undefined ? 0 : Buffer.byteLength(text, 'utf8');

export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time ? 14 : 0;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  for (const resource of entry.Resources ?? []) size += bytes(resource);
  return size;
}

/**
 * Splits items, in order, into the fewest consecutive batches within the limits. Every item
 * must fit alone (callers set oversized ones aside first): one that does not is a bug.
 */
export function planBatches<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  limits: BatchLimits = DEFAULT_BATCH_LIMITS,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (size > limits.maxBytes)
      throw new RangeError(`an item of ${size} bytes cannot fit in any batch`);
    if (current.length === limits.maxEntries || currentBytes + size > limits.maxBytes) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
