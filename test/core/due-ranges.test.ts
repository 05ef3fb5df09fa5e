/**
 * A large old band is read by its due ranges, not whole: over a simulated quarter hour the
 * poller checks exactly the orders `isDue` names (the same as a whole read would), while its
 * reads of the due index follow those orders instead of every tracked one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseStore } from '../../functions/core/lease';
import { isDue } from '../../functions/core/schedule';
import { StatusModel } from '../../functions/core/status';
import { SessionStore } from '../../functions/core/store';
import { type CycleSummary, Tracker } from '../../functions/core/tracker';
import { createTestTable, type TestTable } from '../support/dynamo';
import { session } from '../support/fixtures';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Tracking ends at 9 hours: the oldest band spans 3 hours, about 13 ranges a cycle. */
const MAX_TRACKING_HOURS = 9;
/** Enough for that band to be read by its ranges: 20 orders per range make it cheaper, 260 here. */
const OLD_ORDERS = 300;

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable('due-ranges');
});
afterAll(() => table.drop());

describe('a poller over a large band of old orders', () => {
  it('checks exactly the due orders, reading about them rather than the whole band', async () => {
    const store = new SessionStore({ client: table.client, tableName: table.tableName });
    let now = Date.parse('2026-11-27T12:00:00.000Z');
    const checked: number[] = [];
    const tracker = new Tracker({
      store,
      leases: new LeaseStore(table.client, table.tableName),
      source: {
        getSessionsByOrderId: async (orderId) => {
          checked.push(orderId);
          return [session({ orderId, id: orderId })];
        },
      },
      statuses: new StatusModel(['waiting']),
      settings: { concurrency: 16, timeMarginMs: 1000, maxTrackingHours: MAX_TRACKING_HOURS },
      now: () => now,
    });
    // Old orders, 6.5 to 8.5 hours, spread evenly (the band checked every 15 minutes).
    const trackedSince = new Map<number, number>();
    const orderIds = Array.from({ length: OLD_ORDERS }, (_, index) => 10_000 + index);
    for (let start = 0; start < orderIds.length; start += 100) {
      await Promise.all(
        orderIds.slice(start, start + 100).map(async (orderId, offset) => {
          const since = now - 6.5 * HOUR - ((start + offset) * 2 * HOUR) / OLD_ORDERS;
          trackedSince.set(orderId, since);
          await store.trackOrder(orderId, new Date(since));
        }),
      );
    }

    const cycle = () =>
      tracker.runCycle({
        owner: 'test',
        remainingTimeMs: () => 10 * MINUTE,
      }) as Promise<CycleSummary>;
    // The first cycle knows no cursor: everything is due, read whole (and the band measured).
    const first = await cycle();
    expect(first.tracked).toBe(OLD_ORDERS);
    expect(first.read).toBe(OLD_ORDERS);
    expect(new Set(checked).size).toBe(OLD_ORDERS);

    let cursor = now;
    const reads: number[] = [];
    for (let minute = 1; minute <= 16; minute++) {
      now += MINUTE;
      checked.length = 0;
      const summary = await cycle();
      const due = orderIds.filter((orderId) => isDue(trackedSince.get(orderId)!, now, cursor));
      expect(checked.sort((a, b) => a - b)).toEqual(due);
      expect(summary.due).toBe(due.length);
      reads.push(summary.read);
      // Tracked orders are still reported, estimated from what the ranges held.
      expect(summary.tracked).toBeGreaterThan(OLD_ORDERS * 0.7);
      expect(summary.tracked).toBeLessThan(OLD_ORDERS * 1.3);
      cursor = now;
    }
    // A fifteenth of the band is due per minute; a whole read would read all of it each time.
    const meanReads = reads.reduce((sum, count) => sum + count, 0) / reads.length;
    expect(meanReads).toBeLessThan(OLD_ORDERS / 4);
  }, 120_000);
});
