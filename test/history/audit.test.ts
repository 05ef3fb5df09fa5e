import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditQueries, type ListingPage } from '../../functions/core/history/audit';
import { InvalidCursorError } from '../../functions/core/history/cursor';
import type { HistoryEntry, OrderState } from '../../functions/core/model';
import { SessionStore, StaleOrderError } from '../../functions/core/store';
import {
  changedAtOf,
  ENTITY,
  ENTITY_ATTRIBUTE,
  ORDER_INDEX_PARTITION_KEY,
  ORDER_INDEX_SORT_KEY,
  ORDER_SHARDS,
} from '../../functions/core/table';
import { createTestTable, type TestTable } from '../support/dynamo';
import { paymentSession, statuses } from '../support/payment-sessions';

/** Orders spread over four days: one every 20 minutes, each resolved, left tracking or expired. */
const ORDER_EVERY_MINUTES = 20;
const ORDERS = (4 * 24 * 60) / ORDER_EVERY_MINUTES;
const START = Date.parse('2026-11-01T00:00:00.000Z');
const MINUTE = 60_000;
const DUE_SHARDS = 3;
/** A page's Query budget for the tests of that budget: small, so they read few empty buckets. */
const QUERY_BUDGET = 48;

let table: TestTable;
let store: SessionStore;
let audit: AuditQueries;
let budgeted: AuditQueries;
let orders: OrderState[];
let entries: HistoryEntry[];
const now = new Date('2026-11-05T12:00:00.000Z');

async function seedOrder(orderId: number): Promise<void> {
  const trackedAt = new Date(START + orderId * ORDER_EVERY_MINUTES * MINUTE);
  await store.trackOrder(orderId, trackedAt);
  const order = await store.getOrder(orderId);
  if (!order) throw new Error(`order ${orderId} not tracked`);
  const seen = await store.recordObservation(
    order,
    [paymentSession(orderId, orderId * 10, 'waiting')],
    statuses,
    new Date(trackedAt.getTime() + MINUTE),
  );
  const tracked = { ...order, version: order.version + 1, sessions: seen.sessions };
  if (orderId % 3 === 0) {
    await store.recordObservation(
      tracked,
      [paymentSession(orderId, orderId * 10, orderId % 2 === 0 ? 'completed' : 'failed')],
      statuses,
      new Date(trackedAt.getTime() + (orderId % 7) * MINUTE + 2 * MINUTE),
    );
  } else if (orderId % 3 === 2) {
    await store.expireOrder(tracked, statuses, new Date(trackedAt.getTime() + 3 * MINUTE));
  }
}

beforeAll(async () => {
  table = await createTestTable('audit');
  store = new SessionStore({
    client: table.client,
    tableName: table.tableName,
    pollShards: DUE_SHARDS,
  });
  audit = new AuditQueries({
    client: table.client,
    tableName: table.tableName,
    pollShards: DUE_SHARDS,
    now: () => now,
  });
  budgeted = new AuditQueries({
    client: table.client,
    tableName: table.tableName,
    pollShards: DUE_SHARDS,
    now: () => now,
    maxQueriesPerPage: QUERY_BUDGET,
  });
  const ids = Array.from({ length: ORDERS }, (_, index) => index + 1);
  for (let index = 0; index < ids.length; index += 24) {
    await Promise.all(ids.slice(index, index + 24).map(seedOrder));
  }
  // The oracle: every item, read with a Scan the product never makes.
  const items = await table.scanAll();
  orders = items
    .filter((item) => item[ENTITY_ATTRIBUTE] === ENTITY.order)
    .map((item) => item as unknown as OrderState);
  entries = items
    .filter((item) => item[ENTITY_ATTRIBUTE] === ENTITY.history)
    .map((item) => item as unknown as HistoryEntry);
}, 300_000);
afterAll(() => table.drop());

/** Every page of a listing, checking each reads no more than it returns plus one page. */
async function all<T>(
  first: (cursor: string | undefined) => Promise<ListingPage<T>>,
  limit: number,
  partitions: number,
  reader = audit,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await first(cursor);
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    expect(reader.lastRead.read).toBeLessThanOrEqual(page.items.length + limit + partitions);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { items, pages };
}

const byChangeNewestFirst = (a: OrderState, b: OrderState) =>
  changedAtOf(b).localeCompare(changedAtOf(a)) || b.orderId - a.orderId;

describe('orders by state', () => {
  it('lists every resolved order of the lookback, newest change first, across pages', async () => {
    const expected = orders
      .filter((order) => order.state === 'resolved')
      .sort(byChangeNewestFirst)
      .map((order) => order.orderId);

    const { items, pages } = await all(
      (cursor) => audit.orders({ state: 'resolved', limit: 23, cursor }),
      23,
      ORDER_SHARDS,
    );

    expect(items.map((order) => order.orderId)).toEqual(expected);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(expected.length / 23));
    expect(items[0]).toMatchObject({ state: 'resolved', source: 'webhook' });
    expect(items[0]?.sessions[0]).toMatchObject({ status: expect.any(String), resolved: true });
    expect(items[0]).not.toHaveProperty(ORDER_INDEX_PARTITION_KEY);
    expect(items[0]).not.toHaveProperty('history');
  });

  it('keeps to the time range, both ends inclusive', async () => {
    const changedAfter = new Date('2026-11-02T06:00:00.000Z');
    const changedBefore = new Date('2026-11-03T18:30:00.000Z');
    const expected = orders
      .filter(
        (order) =>
          order.state === 'expired' &&
          changedAtOf(order) >= changedAfter.toISOString() &&
          changedAtOf(order) <= changedBefore.toISOString(),
      )
      .sort(byChangeNewestFirst)
      .map((order) => order.orderId);

    const { items } = await all(
      (cursor) =>
        audit.orders({ state: 'expired', changedAfter, changedBefore, limit: 11, cursor }),
      11,
      ORDER_SHARDS,
    );

    expect(expected.length).toBeGreaterThan(30);
    expect(items.map((order) => order.orderId)).toEqual(expected);
  });

  it('merges every state when none is asked for', async () => {
    const changedAfter = new Date('2026-11-04T20:00:00.000Z');
    const expected = orders
      .filter((order) => changedAtOf(order) >= changedAfter.toISOString())
      .sort(byChangeNewestFirst)
      .map((order) => order.orderId);

    const { items } = await all(
      (cursor) => audit.orders({ changedAfter, limit: 1000, cursor }),
      1000,
      3 * ORDER_SHARDS,
    );

    expect(items.map((order) => order.orderId)).toEqual(expected);
    expect(new Set(items.map((order) => order.state))).toEqual(
      new Set(['tracking', 'resolved', 'expired']),
    );
  });

  it('answers an empty range with no items and no cursor', async () => {
    const page = await audit.orders({
      state: 'resolved',
      changedAfter: new Date('2026-10-01T00:00:00.000Z'),
      changedBefore: new Date('2026-10-02T00:00:00.000Z'),
    });

    expect(page).toEqual({ items: [], nextCursor: null });
  });

  it('walks a long empty range in pages of bounded Queries instead of one long request', async () => {
    const first = await budgeted.orders({
      state: 'resolved',
      changedAfter: new Date('2025-01-01T00:00:00.000Z'),
      changedBefore: new Date('2026-10-01T00:00:00.000Z'),
    });

    expect(first.items).toEqual([]);
    expect(budgeted.lastRead.queries).toBeGreaterThan(QUERY_BUDGET / 2);
    expect(budgeted.lastRead.queries).toBeLessThanOrEqual(QUERY_BUDGET);
    expect(first.nextCursor).not.toBeNull();
  });
});

describe('stuck orders', () => {
  it('lists the orders still tracked since before the bound, longest waiting first', async () => {
    const trackedBefore = new Date('2026-11-03T00:00:00.000Z');
    const expected = orders
      .filter(
        (order) => order.state === 'tracking' && order.trackedSince < trackedBefore.toISOString(),
      )
      .sort((a, b) => a.trackedSince.localeCompare(b.trackedSince))
      .map((order) => order.orderId);

    const { items } = await all(
      (cursor) => audit.stuck({ trackedBefore, limit: 13, cursor }),
      13,
      DUE_SHARDS,
    );

    expect(expected.length).toBeGreaterThan(40);
    expect(items.map((order) => order.orderId)).toEqual(expected);
    expect(items.every((order) => order.state === 'tracking')).toBe(true);
  });

  it('leaves out an order whose tracking ended after the index was read', async () => {
    const order = orders.find((candidate) => candidate.state === 'tracking');
    if (!order) throw new Error('no tracked order');
    const current = await store.getOrder(order.orderId);
    if (!current) throw new Error('order vanished');
    const trackedBefore = new Date(Date.parse(order.trackedSince) + 1);
    await store.expireOrder(current, statuses, now);

    const page = await audit.stuck({ trackedBefore, limit: 1000 });

    expect(page.items.map((item) => item.orderId)).not.toContain(order.orderId);
  });
});

describe('transitions in a time range', () => {
  const from = new Date('2026-11-02T10:00:00.000Z');
  const to = new Date('2026-11-03T02:00:00.000Z');
  const inRange = (entry: HistoryEntry) =>
    entry.observedAt >= from.toISOString() && entry.observedAt <= to.toISOString();
  const inTimeOrder = (a: HistoryEntry, b: HistoryEntry) =>
    a.observedAt.localeCompare(b.observedAt) || a.orderId - b.orderId;

  it('lists every entry of the range in time order, across pages', async () => {
    const expected = entries
      .filter(inRange)
      .sort(inTimeOrder)
      .map((entry) => entry.eventId);

    const { items } = await all(
      (cursor) => audit.transitions({ from, to, limit: 23, cursor }),
      23,
      4,
    );

    expect(items.map((item) => item.eventId)).toEqual(expected);
    expect(items[0]).toMatchObject({ orderId: expect.any(Number), kind: expect.any(String) });
    expect(items[0]).not.toHaveProperty('historyKey');
  });

  it('resumes after a page cut short by its Query budget at the next hour, missing nothing', async () => {
    // Two empty days before the first order: more buckets than one page's Query budget.
    const longFrom = new Date('2026-10-30T00:00:00.000Z');
    const longTo = new Date('2026-11-01T06:00:00.000Z');
    const expected = entries
      .filter(
        (entry) =>
          entry.observedAt >= longFrom.toISOString() && entry.observedAt <= longTo.toISOString(),
      )
      .sort(inTimeOrder)
      .map((entry) => entry.eventId);

    const first = await budgeted.transitions({ from: longFrom, to: longTo, limit: 1000 });
    expect(first.items).toEqual([]);
    expect(budgeted.lastRead.queries).toBeLessThanOrEqual(QUERY_BUDGET);
    expect(first.nextCursor).not.toBeNull();
    const { items, pages } = await all(
      (cursor) =>
        budgeted.transitions({
          from: longFrom,
          to: longTo,
          limit: 1000,
          cursor: cursor ?? first.nextCursor ?? '',
        }),
      1000,
      4,
      budgeted,
    );

    expect(pages).toBeGreaterThan(1);
    expect(expected.length).toBeGreaterThan(20);
    expect(items.map((item) => item.eventId)).toEqual(expected);
  });

  it('keeps only the statuses and kinds asked for', async () => {
    const expected = entries
      .filter(
        (entry) => inRange(entry) && entry.status === 'completed' && entry.kind === 'resolved',
      )
      .sort(inTimeOrder)
      .map((entry) => entry.eventId);
    const items: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await audit.transitions({
        from,
        to,
        statuses: ['completed'],
        kinds: ['resolved'],
        limit: 3,
        cursor,
      });
      items.push(...page.items.map((item) => item.eventId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    expect(expected.length).toBeGreaterThan(5);
    expect(items).toEqual(expected);
  });
});

describe('cursors', () => {
  it('refuses a cursor of another listing, or one that was altered', async () => {
    const page = await audit.orders({ state: 'resolved', limit: 5 });
    const cursor = page.nextCursor ?? '';

    await expect(audit.orders({ state: 'expired', cursor })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    await expect(audit.transitions({ from: new Date(0), cursor })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    await expect(audit.orders({ state: 'resolved', cursor: `${cursor}x` })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    await expect(
      audit.orders({ state: 'resolved', cursor: 'not-a-cursor' }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('keeps the time range of the first page on every later page', async () => {
    const changedAfter = new Date('2026-11-04T00:00:00.000Z');
    const first = await audit.orders({ state: 'resolved', changedAfter, limit: 10 });
    const second = await audit.orders({
      state: 'resolved',
      changedAfter: new Date(0),
      limit: 1000,
      cursor: first.nextCursor ?? '',
    });

    const all = [...first.items, ...second.items];
    expect(
      all.every(
        (order) =>
          changedAtOf({ ...order, lastChangedAt: order.lastChangedAt ?? undefined }) >=
          changedAfter.toISOString(),
      ),
    ).toBe(true);
  });
});

describe('index upkeep', () => {
  const indexKeysOf = async (orderId: number) => {
    const items = await table.scanAll();
    const item = items.find(
      (candidate) => candidate[ENTITY_ATTRIBUTE] === ENTITY.order && candidate.orderId === orderId,
    );
    return [item?.[ORDER_INDEX_PARTITION_KEY], item?.[ORDER_INDEX_SORT_KEY]];
  };

  it('moves a resolved order that is tracked again to the tracking bucket of its new period', async () => {
    const orderId = 3; // resolved in the seed
    const again = new Date('2026-11-05T11:00:00.000Z');

    await store.trackOrder(orderId, again);

    const [bucket, key] = await indexKeysOf(orderId);
    expect(bucket).toBe(`ORDERS#tracking#2026-11-05#${orderId % ORDER_SHARDS}`);
    expect(key).toBe(`${again.toISOString()}#${String(orderId).padStart(16, '0')}`);
    const page = await audit.orders({ state: 'tracking', changedAfter: again, limit: 1000 });
    expect(page.items.map((order) => order.orderId)).toContain(orderId);
  });

  it('keeps the winner of two racing recorders in the index, and only it', async () => {
    const orderId = 900_001;
    await store.trackOrder(orderId, new Date('2026-11-05T10:00:00.000Z'));
    const order = await store.getOrder(orderId);
    if (!order) throw new Error('not tracked');
    const completed = [paymentSession(orderId, 1, 'completed')];
    const waiting = [paymentSession(orderId, 1, 'waiting')];

    const results = await Promise.allSettled([
      store.recordObservation(order, completed, statuses, new Date('2026-11-05T10:05:00.000Z')),
      store.recordObservation(order, waiting, statuses, new Date('2026-11-05T10:06:00.000Z')),
    ]);

    const lost = results.filter((result) => result.status === 'rejected');
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(StaleOrderError);
    const winner = await store.getOrder(orderId);
    const [bucket, key] = await indexKeysOf(orderId);
    expect(bucket).toBe(`ORDERS#${winner?.state}#2026-11-05#${orderId % ORDER_SHARDS}`);
    expect(key).toBe(`${winner?.lastChangedAt}#${String(orderId).padStart(16, '0')}`);
  });
});
