/**
 * One page of a listing read from a time-bucketed, sharded index: groups of partitions (one
 * time bucket's shards) in walk order, each group's partitions queried side by side and merged
 * by sort key. Each partition is read in pages of `ceil(remaining / partitions)` items, so an
 * unfiltered page never reads more than it returns plus one page's worth (a filter, which
 * DynamoDB applies after reading, reads what it drops too). The position it hands back is
 * a sort-key bound: the last item returned, or the end of the last bucket read through.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mergeBy } from './merge';

type Item = Record<string, unknown>;

/**
 * Queries one listing page may send before it answers with what it has (possibly nothing)
 * and a cursor past the buckets it read: a range of empty buckets costs pages, not a timeout.
 */
export const MAX_QUERIES_PER_PAGE = 768;

/**
 * Smallest per-partition page when a filter is set: a filter drops items after they are read,
 * so small pages would only multiply Queries without reading less.
 */
const FILTERED_PAGE_MIN = 100;

export interface WalkGroup {
  /** Partitions whose items are merged by sort key. */
  partitions: readonly string[];
  /** The position once the group has been read through: every key of a later group is past it. */
  end: string;
}

export interface IndexWalk {
  indexName: string;
  partitionKey: string;
  sortKey: string;
  /** Newest (greatest key) first. */
  descending: boolean;
  /** Inclusive sort-key bounds (need not be keys). */
  low?: string | undefined;
  high?: string | undefined;
  /** Continue strictly past this position, in walk order. */
  after?: string | undefined;
  groups: Iterable<WalkGroup>;
  limit: number;
  /** Queries this page may send before it answers with what it has. Default {@link MAX_QUERIES_PER_PAGE}. */
  maxQueries?: number | undefined;
  filter?: { expression: string; names: Record<string, string>; values: Record<string, unknown> };
}

export interface WalkPage {
  items: Item[];
  /** Where the next page starts; undefined when the walk is complete. */
  next: string | undefined;
  /** Items DynamoDB read (before filters) and Queries sent, for tests and benchmarks. */
  read: number;
  queries: number;
}

export async function walkIndex(
  client: DynamoDBDocumentClient,
  tableName: string,
  walk: IndexWalk,
): Promise<WalkPage> {
  const { descending, after } = walk;
  const low = !descending && after !== undefined && (walk.low ?? '') < after ? after : walk.low;
  const high =
    descending && after !== undefined && (walk.high === undefined || after < walk.high)
      ? after
      : walk.high;
  const keyOf = (item: Item) => String(item[walk.sortKey]);
  const stats = { read: 0, queries: 0 };
  const items: Item[] = [];
  let position = after;
  const maxQueries = walk.maxQueries ?? MAX_QUERIES_PER_PAGE;
  const groups = walk.groups[Symbol.iterator]();
  for (let step = groups.next(); !step.done; ) {
    const group = step.value;
    if (stats.queries + group.partitions.length > maxQueries && stats.queries > 0) {
      return { items, next: position, ...stats };
    }
    const pageSize = Math.max(
      walk.filter ? FILTERED_PAGE_MIN : 1,
      Math.ceil((walk.limit - items.length) / group.partitions.length),
    );
    const merged = mergeBy(
      group.partitions.map((partition) =>
        pages(client, tableName, walk, partition, { low, high, pageSize }, stats),
      ),
      keyOf,
      descending,
    );
    step = groups.next();
    for await (const item of merged) {
      if (keyOf(item) === after) continue; // the bounds are inclusive; the cursor's item was returned
      if (items.length === walk.limit) {
        await merged.return(undefined);
        return { items, next: position, ...stats };
      }
      items.push(item);
      position = keyOf(item);
    }
    position = group.end;
    // A full page ends here rather than probing later buckets: the next page may be empty.
    if (items.length === walk.limit)
      return { items, next: step.done ? undefined : position, ...stats };
  }
  return { items, next: undefined, ...stats };
}

async function* pages(
  client: DynamoDBDocumentClient,
  tableName: string,
  walk: IndexWalk,
  partition: string,
  bounds: { low: string | undefined; high: string | undefined; pageSize: number },
  stats: { read: number; queries: number },
): AsyncGenerator<Item> {
  const { low, high } = bounds;
  const range =
    low !== undefined && high !== undefined
      ? ' AND #sk BETWEEN :low AND :high'
      : low !== undefined
        ? ' AND #sk >= :low'
        : high !== undefined
          ? ' AND #sk <= :high'
          : '';
  let start: Item | undefined;
  do {
    stats.queries++;
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: walk.indexName,
        KeyConditionExpression: `#pk = :pk${range}`,
        ...(walk.filter ? { FilterExpression: walk.filter.expression } : {}),
        ExpressionAttributeNames: {
          '#pk': walk.partitionKey,
          ...(range ? { '#sk': walk.sortKey } : {}),
          ...walk.filter?.names,
        },
        ExpressionAttributeValues: {
          ':pk': partition,
          ...(low !== undefined && range ? { ':low': low } : {}),
          ...(high !== undefined && range ? { ':high': high } : {}),
          ...walk.filter?.values,
        },
        ScanIndexForward: !walk.descending,
        Limit: bounds.pageSize,
        ExclusiveStartKey: start,
      }),
    );
    stats.read += page.ScannedCount ?? 0;
    yield* page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}
