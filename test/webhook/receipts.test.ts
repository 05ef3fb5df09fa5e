import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClaimRequest, ReceiptStore } from '../../functions/core/receipts';
import { createTestTable, type TestTable } from '../support/dynamo';
import { newWebhookId } from './signing';

let table: TestTable;
let receipts: ReceiptStore;

beforeAll(async () => {
  table = await createTestTable('receipts');
  receipts = new ReceiptStore({
    client: table.client,
    tableName: table.tableName,
    retentionSeconds: 3600,
  });
});
afterAll(() => table.drop());

const T0 = new Date('2026-11-26T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const request = (overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
  webhookId: newWebhookId(),
  bodyHash: 'a'.repeat(64),
  orderId: 7,
  now: T0,
  leaseMs: 30_000,
  ...overrides,
});
const ANSWER = { statusCode: 202, body: '{"orderId":7}' };

describe('ReceiptStore.claim', () => {
  it('gives an id to one claimant; the next sees the receipt in progress', async () => {
    const first = request({ event: 'session.created' });
    const won = await receipts.claim(first);
    const lost = await receipts.claim({ ...first, now: at(1) });
    expect(won.claimed).toBe(true);
    expect(lost).toEqual({
      claimed: false,
      receipt: expect.objectContaining({
        state: 'in-progress',
        event: 'session.created',
        orderId: 7,
      }),
    });
  });

  it('after completion returns the stored answer', async () => {
    const first = request();
    const won = await receipts.claim(first);
    if (!won.claimed) throw new Error('expected a claim');
    expect(await receipts.complete(won.claim, ANSWER, at(1))).toBe(true);
    const again = await receipts.claim({ ...first, now: at(2) });
    expect(again).toEqual({
      claimed: false,
      receipt: expect.objectContaining({ state: 'completed', answer: ANSWER }),
    });
  });

  it('after release lets the next claimant in', async () => {
    const first = request();
    const won = await receipts.claim(first);
    if (!won.claimed) throw new Error('expected a claim');
    await receipts.release(won.claim);
    expect((await receipts.claim({ ...first, now: at(1) })).claimed).toBe(true);
  });

  it('takes over a claim whose lease lapsed; the old claimant can then neither complete nor release', async () => {
    const first = request({ leaseMs: 10_000 });
    const stale = await receipts.claim(first);
    const fresh = await receipts.claim({ ...first, now: at(11) });
    if (!stale.claimed || !fresh.claimed) throw new Error('expected two claims');

    expect(await receipts.complete(stale.claim, ANSWER, at(12))).toBe(false);
    await receipts.release(stale.claim);
    expect(await receipts.get(first.webhookId)).toMatchObject({ state: 'in-progress' });
    expect(await receipts.complete(fresh.claim, ANSWER, at(12))).toBe(true);
  });

  it('counts a receipt past its TTL as absent, before DynamoDB has deleted it', async () => {
    const first = request();
    const won = await receipts.claim(first);
    if (!won.claimed) throw new Error('expected a claim');
    await receipts.complete(won.claim, ANSWER, at(1));
    expect((await receipts.claim({ ...first, now: at(3599) })).claimed).toBe(false);
    expect((await receipts.claim({ ...first, now: at(3601) })).claimed).toBe(true);
  });

  it('writes the receipt item with its key, entity and TTL, and no claim token on read', async () => {
    const first = request();
    await receipts.claim(first);
    const items = await table.scanAll();
    expect(items.find((item) => item.pk === `WEBHOOK#${first.webhookId}`)).toMatchObject({
      sk: 'RECEIPT',
      entity: 'receipt',
      expiresAt: Math.floor(T0.getTime() / 1000) + 3600,
      leaseUntil: T0.getTime() + 30_000,
    });
    expect(await receipts.get(first.webhookId)).not.toHaveProperty('claimToken');
  });
});
