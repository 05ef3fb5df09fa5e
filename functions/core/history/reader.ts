/**
 * Reads history entries back out of the table, never with a Scan: an order's entries from its
 * partition, a time range's from the `history-by-time` index (see `table.ts`). Both page
 * through DynamoDB and yield entries one by one, oldest first, so a long range never has to fit
 * in memory.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { HistoryEntry, HistoryKind } from '../model';
import {
  ENTITY,
  ENTITY_ATTRIBUTE,
  HISTORY_INDEX,
  HISTORY_INDEX_PARTITION_KEY,
  HISTORY_INDEX_SORT_KEY,
  historyBucketsBetween,
  orderKey,
  PARTITION_KEY,
  SORT_KEY,
} from '../table';
import { mergeBy } from './merge';

/** `from` is after `to`, or one of them is not a date. */
export class InvalidTimeRangeError extends Error {
  override readonly name = 'InvalidTimeRangeError';
}

export interface TimeRange {
  /** Inclusive, on `observedAt`. */
  from: Date;
  /** Inclusive, on `observedAt`. */
  to: Date;
  /** Only entries of these kinds. Default: all. */
  kinds?: readonly HistoryKind[];
  /** Only entries that moved to one of these statuses. Default: all. */
  statuses?: readonly string[];
}

export interface HistoryReaderOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Items per Query page. Default 100. */
  pageSize?: number;
}

type Item = Record<string, unknown>;

const INTERNAL_ATTRIBUTES = [
  PARTITION_KEY,
  SORT_KEY,
  ENTITY_ATTRIBUTE,
  HISTORY_INDEX_PARTITION_KEY,
  HISTORY_INDEX_SORT_KEY,
];

/** A history item without the table's own attributes. */
export function toEntry(item: Item): HistoryEntry {
  const entry = { ...item };
  for (const name of INTERNAL_ATTRIBUTES) delete entry[name];
  return entry as unknown as HistoryEntry;
}

/** `[from, to]` as a checked range; throws `InvalidTimeRangeError`. */
export function timeRange(from: string, to: string): { from: Date; to: Date } {
  const start = new Date(from);
  const end = new Date(to);
  if (Number.isNaN(start.getTime()))
    throw new InvalidTimeRangeError(`--from ${JSON.stringify(from)} is not a date`);
  if (Number.isNaN(end.getTime()))
    throw new InvalidTimeRangeError(`--to ${JSON.stringify(to)} is not a date`);
  if (start > end) throw new InvalidTimeRangeError(`--from ${from} is after --to ${to}`);
  return { from: start, to: end };
}

/** The filter expression that keeps only entries of `kinds` and `statuses` (undefined: keep all). */
export function entryFilter(
  range: Pick<TimeRange, 'kinds' | 'statuses'>,
):
  | { expression: string; names: Record<string, string>; values: Record<string, unknown> }
  | undefined {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const filters: string[] = [];
  if (range.kinds?.length) {
    names['#kind'] = 'kind';
    filters.push(`#kind IN (${range.kinds.map((_, i) => `:kind${i}`).join(', ')})`);
    range.kinds.forEach((kind, i) => {
      values[`:kind${i}`] = kind;
    });
  }
  if (range.statuses?.length) {
    names['#status'] = 'status';
    filters.push(`#status IN (${range.statuses.map((_, i) => `:status${i}`).join(', ')})`);
    range.statuses.forEach((status, i) => {
      values[`:status${i}`] = status;
    });
  }
  return filters.length > 0 ? { expression: filters.join(' AND '), names, values } : undefined;
}

export class HistoryReader {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly pageSize: number;

  constructor(options: HistoryReaderOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.pageSize = options.pageSize ?? 100;
  }

  /** Every history entry of the order, oldest first. */
  async *ofOrder(orderId: number): AsyncGenerator<HistoryEntry> {
    for await (const item of this.pages({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :history)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
      ExpressionAttributeValues: {
        ':pk': orderKey(orderId)[PARTITION_KEY],
        ':history': 'HISTORY#',
      },
      ConsistentRead: true,
    })) {
      if (item[ENTITY_ATTRIBUTE] === ENTITY.history) yield toEntry(item);
    }
  }

  /** One entry by its table keys, or undefined when there is none. */
  async byKeys(keys: { pk: string; sk: string }): Promise<HistoryEntry | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: keys.pk, [SORT_KEY]: keys.sk },
        ConsistentRead: true,
      }),
    );
    return result.Item?.[ENTITY_ATTRIBUTE] === ENTITY.history ? toEntry(result.Item) : undefined;
  }

  /**
   * Every entry observed within the range, in time order: hour by hour, the hour's shards
   * queried side by side and merged by their sort key (which starts with `observedAt`).
   */
  async *inRange(range: TimeRange): AsyncGenerator<HistoryEntry> {
    const filter = entryFilter(range);
    const names: Record<string, string> = {
      '#bucket': HISTORY_INDEX_PARTITION_KEY,
      '#key': HISTORY_INDEX_SORT_KEY,
      ...filter?.names,
    };
    const values: Record<string, unknown> = {
      ':from': range.from.toISOString(),
      // Every key of an entry observed at `to` sorts before this one.
      ':to': `${range.to.toISOString()}#~`,
      ...filter?.values,
    };
    for (const shards of historyBucketsBetween(range.from, range.to)) {
      const streams = shards.map((bucket) =>
        this.pages({
          IndexName: HISTORY_INDEX,
          KeyConditionExpression: '#bucket = :bucket AND #key BETWEEN :from AND :to',
          ...(filter ? { FilterExpression: filter.expression } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ':bucket': bucket },
        })[Symbol.asyncIterator](),
      );
      for await (const item of mergeBy(streams, (item) => String(item[HISTORY_INDEX_SORT_KEY]))) {
        yield toEntry(item);
      }
    }
  }

  /** Every item a Query returns, page by page. */
  private async *pages(query: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>) {
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          ...query,
          TableName: this.tableName,
          Limit: this.pageSize,
          ExclusiveStartKey: start,
        }),
      );
      yield* page.Items ?? [];
      start = page.LastEvaluatedKey;
    } while (start);
  }
}
