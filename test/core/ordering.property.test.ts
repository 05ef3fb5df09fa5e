/**
 * Property: several checkers read a session whose status moves through a random sequence,
 * their answers arrive in a random order (fast-check's scheduler releases them), and each
 * records against DynamoDB Local while the others do. Whatever the interleaving, the history
 * is the upstream sequence with steps left out, never reordered or repeated, and the status
 * left recorded is the newest one any checker read.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseStore } from '../../functions/core/lease';
import type { PaymentSession } from '../../functions/core/model';
import { StatusModel } from '../../functions/core/status';
import { SessionStore } from '../../functions/core/store';
import { Tracker } from '../../functions/core/tracker';
import { createTestTable, type TestTable } from '../support/dynamo';
import { session } from '../support/fixtures';

let table: TestTable;
let store: SessionStore;
const statuses = new StatusModel(['waiting', 'processing']);

beforeAll(async () => {
  table = await createTestTable('ordering');
  store = new SessionStore({ client: table.client, tableName: table.tableName });
});
afterAll(() => table.drop());

/** Reading the upstream, or starting a check, or letting one pending answer arrive. */
type Step = { advance: true } | { check: true } | { deliver: true };

const scenario = fc.record({
  upstream: fc.array(fc.constantFrom('waiting', 'processing', 'completed', 'cancelled'), {
    minLength: 1,
    maxLength: 6,
  }),
  steps: fc.array(
    fc.oneof(
      fc.constant<Step>({ advance: true }),
      fc.constant<Step>({ check: true }),
      fc.constant<Step>({ deliver: true }),
    ),
    { minLength: 1, maxLength: 14 },
  ),
});

/** Whether `recorded` is `upstream` with some steps left out (same order, no repeats). */
function isSubsequence(recorded: readonly string[], upstream: readonly string[]): boolean {
  let at = 0;
  for (const status of recorded) {
    while (at < upstream.length && upstream[at] !== status) at++;
    if (at === upstream.length) return false;
    at++;
  }
  return true;
}

let nextOrderId = 1;

describe('observations recorded by racing checkers', () => {
  it('leave a history that is an ordered subsequence of upstream, ending at the newest read', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), scenario, async (scheduler, { upstream, steps }) => {
        const orderId = nextOrderId++;
        const base = Date.UTC(2026, 10, 26, 10);
        // OneEntry moves updatedDate on every change (the simulator does the same).
        const states = upstream.map((status, index) =>
          session({
            id: orderId,
            orderId,
            status,
            updatedDate: new Date(base + index * 1000).toISOString(),
          }),
        );
        let position = 0;
        let newestRead = -1;
        const tracker = new Tracker({
          store,
          leases: new LeaseStore(table.client, table.tableName),
          statuses,
          source: {
            getSessionsByOrderId: () => {
              const read = position;
              const answer: PaymentSession[] = [states[read]!];
              return scheduler.schedule(Promise.resolve(answer), `read #${read}`).then((value) => {
                newestRead = Math.max(newestRead, read);
                return value;
              });
            },
          },
        });
        await store.trackOrder(orderId);
        const checks: Promise<unknown>[] = [];
        for (const step of steps) {
          if ('advance' in step) position = Math.min(position + 1, states.length - 1);
          else if ('deliver' in step) {
            if (scheduler.count() > 0) await scheduler.waitOne();
          } else {
            // Each checker starts from its own copy of the order, possibly already outdated.
            const copy = await store.getOrder(orderId);
            checks.push(tracker.checkOrder(copy!));
          }
        }
        while (scheduler.count() > 0) await scheduler.waitAll();
        await Promise.all(checks);

        const record = await store.readOrder(orderId);
        const history = record?.history ?? [];
        const recorded = history.map((entry) => entry.status ?? '');
        expect(isSubsequence(recorded, upstream)).toBe(true);
        expect(history.map((entry) => entry.seq)).toEqual(history.map((_, index) => index + 1));
        for (let index = 1; index < recorded.length; index++) {
          expect(recorded[index]).not.toBe(recorded[index - 1]);
        }
        const last = record?.order.sessions[String(orderId)];
        if (newestRead < 0) expect(last).toBeUndefined();
        else expect(last?.status).toBe(upstream[newestRead]);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
