import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseStore } from '../../functions/core/lease';
import { createTestTable, type TestTable } from '../support/dynamo';

let table: TestTable;
let leases: LeaseStore;

beforeAll(async () => {
  table = await createTestTable('lease');
  leases = new LeaseStore(table.client, table.tableName);
});
afterAll(() => table.drop());

describe('LeaseStore', () => {
  it('gives the lease to exactly one of many contenders', async () => {
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        leases.acquire('contended', `owner-${index}`, now, 60_000),
      ),
    );
    expect(results.filter((lease) => lease !== undefined)).toHaveLength(1);
  });

  it('lets another owner take a lease that has lapsed', async () => {
    const now = Date.now();
    expect(await leases.acquire('lapsing', 'a', now, 1000)).toBeDefined();
    expect(await leases.acquire('lapsing', 'b', now + 500, 1000)).toBeUndefined();
    expect(await leases.acquire('lapsing', 'b', now + 1500, 1000)).toBeDefined();
  });

  it('keeps where the last cycle left each band across holders', async () => {
    const now = Date.now();
    const first = await leases.acquire('cursor', 'a', now, 1000);
    expect(first?.bands).toEqual({});
    const bands = {
      '1': { cursor: now },
      '2': { cursor: now - 60_000, pass: { startedAt: now, shard: 0, after: 'key#1' } },
    };
    await leases.release(first!, bands);
    const second = await leases.acquire('cursor', 'b', now + 10, 1000);
    expect(second?.bands).toEqual(bands);
    await leases.release(second!);
    expect((await leases.acquire('cursor', 'c', now + 20, 1000))?.bands).toEqual(bands);
  });

  it('does not let a former holder release a lease someone else took', async () => {
    const now = Date.now();
    const stale = await leases.acquire('stolen', 'a', now, 100);
    await leases.acquire('stolen', 'b', now + 200, 1000);
    expect(await leases.release(stale!, { '1': { cursor: now } })).toBe(false);
    expect(await leases.acquire('stolen', 'c', now + 300, 1000)).toBeUndefined();
  });

  it('breaks a held lease for a new holder, keeping the cursor', async () => {
    const now = Date.now();
    const held = await leases.acquire('crashed', 'dead-process', now, 60_000);
    await leases.release(held!, { '1': { cursor: now - 1 } });
    await leases.acquire('crashed', 'dead-process', now, 60_000);
    expect(await leases.acquire('crashed', 'restarted', now + 10, 60_000)).toBeUndefined();
    await leases.breakLease('crashed');
    expect((await leases.acquire('crashed', 'restarted', now + 20, 60_000))?.bands).toEqual({
      '1': { cursor: now - 1 },
    });
  });
});
