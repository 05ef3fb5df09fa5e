import { describe, expect, it } from 'vitest';
import type { OrderState } from '../../functions/core/model';
import { StatusModel } from '../../functions/core/status';
import { observe } from '../../functions/core/transitions';
import { session } from '../support/fixtures';

const statuses = new StatusModel(['waiting', 'processing']);
const at = '2026-11-26T10:00:00.000Z';

function order(sessions: OrderState['sessions'] = {}): OrderState {
  return { orderId: 7, state: 'tracking', trackedSince: at, version: 1, sessions };
}

describe('observe', () => {
  it('records the first sight of a pending session as observed, with no previous status', () => {
    const result = observe(order(), [session({ id: 1, orderId: 7 })], at, statuses);
    expect(result.transitions).toMatchObject([
      {
        kind: 'observed',
        previousStatus: null,
        status: 'waiting',
        resolved: false,
        seq: 1,
        eventId: 'pss-7-1-1',
      },
    ]);
    expect(result.orderResolved).toBe(false);
  });

  it('records the first sight of an already completed session as resolved', () => {
    const result = observe(
      order(),
      [session({ id: 1, orderId: 7, status: 'completed' })],
      at,
      statuses,
    );
    expect(result.transitions).toMatchObject([
      { kind: 'resolved', previousStatus: null, resolved: true },
    ]);
    expect(result.orderResolved).toBe(true);
  });

  it('records nothing for a status that did not change', () => {
    const first = observe(order(), [session({ id: 1, orderId: 7 })], at, statuses);
    const result = observe(order(first.snapshots), [session({ id: 1, orderId: 7 })], at, statuses);
    expect(result.transitions).toEqual([]);
  });

  it('treats a move between pending statuses as changed and any other status as resolved', () => {
    const first = observe(order(), [session({ id: 1, orderId: 7 })], at, statuses);
    const moved = observe(
      order(first.snapshots),
      [session({ id: 1, orderId: 7, status: 'processing' })],
      at,
      statuses,
    );
    expect(moved.transitions).toMatchObject([
      { kind: 'changed', previousStatus: 'waiting', seq: 2 },
    ]);
    const done = observe(
      order({ ...first.snapshots, ...moved.snapshots }),
      [session({ id: 1, orderId: 7, status: 'refunded-by-custom-flow' })],
      at,
      statuses,
    );
    expect(done.transitions).toMatchObject([
      { kind: 'resolved', previousStatus: 'processing', seq: 3 },
    ]);
  });

  it('keys every session separately and resolves the order only when all have resolved', () => {
    const result = observe(
      order(),
      [session({ id: 1, orderId: 7, status: 'cancelled' }), session({ id: 2, orderId: 7 })],
      at,
      statuses,
    );
    expect(result.transitions.map((entry) => entry.sessionId)).toEqual([1, 2]);
    expect(result.orderResolved).toBe(false);
  });

  it('ignores sessions that belong to another order', () => {
    const result = observe(order(), [session({ id: 1, orderId: 8 })], at, statuses);
    expect(result.transitions).toEqual([]);
    expect(result.orderResolved).toBe(false);
  });

  it('does not resolve an order that has no session yet', () => {
    expect(observe(order(), [], at, statuses).orderResolved).toBe(false);
  });
});
