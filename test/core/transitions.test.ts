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

describe('observe, ordering observations', () => {
  const t = (minute: number) => new Date(Date.UTC(2026, 10, 26, 10, minute)).toISOString();
  const seen = (status: string, updatedMinute: number | undefined) =>
    session({
      id: 1,
      orderId: 7,
      status,
      updatedDate:
        updatedMinute === undefined ? (undefined as unknown as string) : t(updatedMinute),
    });
  /** The order after recording `status` (updated at `updatedMinute`) from a request sent at `requestMinute`. */
  const recorded = (status: string, updatedMinute: number | undefined, requestMinute: number) => {
    const result = observe(order(), [seen(status, updatedMinute)], t(requestMinute), statuses);
    return { ...order(result.snapshots), state: result.state };
  };

  it('drops an observation with an older updatedDate and counts it as stale', () => {
    const result = observe(recorded('completed', 5, 6), [seen('waiting', 1)], t(7), statuses, t(2));
    expect(result).toMatchObject({ transitions: [], snapshots: {}, stale: 1, state: 'resolved' });
  });

  it('falls back to the request time when updatedDate is equal or missing', () => {
    for (const updated of [3, undefined]) {
      const base = recorded('processing', updated, 6);
      const older = observe(base, [seen('waiting', updated)], t(8), statuses, t(5));
      expect(older).toMatchObject({ transitions: [], stale: 1 });
      const newer = observe(base, [seen('waiting', updated)], t(8), statuses, t(7));
      expect(newer.transitions).toMatchObject([{ kind: 'changed', previousStatus: 'processing' }]);
    }
  });

  it('treats the same status and updatedDate as the same observation, whenever it was read', () => {
    const result = observe(recorded('waiting', 3, 6), [seen('waiting', 3)], t(8), statuses, t(1));
    expect(result).toMatchObject({ transitions: [], snapshots: {}, stale: 0 });
  });

  it('remembers a newer updatedDate of an unchanged status, so a later-arriving older read is known to be older', () => {
    const base = recorded('waiting', 3, 4);
    const refreshed = observe(base, [seen('waiting', 9)], t(10), statuses, t(10));
    expect(refreshed.transitions).toEqual([]);
    expect(refreshed.snapshots['1']).toMatchObject({
      status: 'waiting',
      updatedDate: t(9),
      seq: 1,
    });
    const late = observe(order(refreshed.snapshots), [seen('completed', 5)], t(11), statuses, t(6));
    expect(late).toMatchObject({ transitions: [], stale: 1 });
  });

  it('reopens a resolved session only on a newer updatedDate, as changed, and tracks the order again', () => {
    const done = recorded('completed', 5, 6);
    const tie = observe(done, [seen('waiting', 5)], t(9), statuses, t(8));
    expect(tie).toMatchObject({ transitions: [], stale: 1, state: 'resolved' });
    const reopened = observe(done, [seen('waiting', 8)], t(9), statuses, t(8));
    expect(reopened.transitions).toMatchObject([
      { kind: 'changed', previousStatus: 'completed', status: 'waiting', resolved: false, seq: 2 },
    ]);
    expect(reopened.state).toBe('tracking');
  });

  it('tracks a resolved order again when a new pending session appears, but leaves an expired one expired', () => {
    const done = recorded('completed', 5, 6);
    const another = session({ id: 2, orderId: 7, updatedDate: t(8) });
    expect(observe(done, [seen('completed', 5), another], t(9), statuses).state).toBe('tracking');
    expect(
      observe({ ...done, state: 'expired' }, [seen('completed', 5), another], t(9), statuses).state,
    ).toBe('expired');
  });
});
