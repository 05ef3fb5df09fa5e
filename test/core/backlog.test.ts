/**
 * Fairness under backlog, over DynamoDB Local: twice what one cycle can check is due at once,
 * and orders keep arriving. Young orders are still checked at every cycle, older ones within
 * two of their intervals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseStore } from '../../functions/core/lease';
import { SessionStore } from '../../functions/core/store';
import { runBacklog } from '../support/backlog';
import { createTestTable, type TestTable } from '../support/dynamo';
import { session } from '../support/fixtures';

let table: TestTable;

beforeAll(async () => {
  table = await createTestTable('backlog');
});
afterAll(() => table.drop());

describe('a backlog twice what one cycle can check', () => {
  it('checks young orders at every cycle and older ones within two of their intervals', async () => {
    let nextOrderId = 1;
    const report = await runBacklog({
      store: new SessionStore({ client: table.client, tableName: table.tableName }),
      leases: new LeaseStore(table.client, table.tableName),
      source: {
        getSessionsByOrderId: async (orderId) => [
          session({ id: orderId, orderId, updatedDate: '2026-11-26T10:00:00.000Z' }),
        ],
      },
      createOrder: () => nextOrderId++,
      capacity: 40,
      cycles: 15,
    });
    expect(report.backlog).toBe(80);
    expect(report.worstYoungWaitCycles).toBe(1);
    for (const intervals of Object.values(report.worstOlderWaitIntervals)) {
      expect(intervals).toBeLessThanOrEqual(2);
    }
    expect(Object.keys(report.worstOlderWaitIntervals).sort()).toEqual(['1', '2']);
  }, 60_000);
});
