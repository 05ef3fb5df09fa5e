/**
 * Stopping an order's tracking by hand (`DELETE /orders/{orderId}`, `npm run untrack`): for an
 * order announced by mistake, which would otherwise be polled until `MAX_TRACKING_HOURS`.
 *
 * - a tracked order stops: one transaction writes the `untracked` entry (its event follows
 *   through the outbox) and takes the order out of the due index, so the poller stops;
 * - an order already stopped is answered as it is, with nothing written (idempotent: a retried
 *   or doubled request gets the same answer and makes no second entry or event);
 * - an order that resolved or expired is refused (`OrderNotTrackedError`): its tracking ended
 *   on its own, and rewriting how it ended would falsify the audit trail;
 * - an unknown order is `OrderNotFoundError`.
 *
 * The write races the poller (a check recording a transition) and other stops: it is
 * conditional on the order's version, and a stop that loses re-reads and re-decides.
 */
import { UNTRACK_REASON_MAX_LENGTH } from './events/contract';
import { OrderNotFoundError } from './history/errors';
import { type OrderHistoryView, readOrderHistory } from './history/view';
import type { TrackingState } from './model';
import { type SessionStore, StaleOrderError, type UntrackRequest } from './store';

/** What a `reason` must be: it ends up in the audit trail and on the bus, so it is bounded and printable. */
export const UNTRACK_REASON_RULE = `must be 1 to ${UNTRACK_REASON_MAX_LENGTH} characters, without control characters`;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

export const isUntrackReason = (text: string) =>
  text.length > 0 && text.length <= UNTRACK_REASON_MAX_LENGTH && !CONTROL_CHARACTER.test(text);

/** The order's tracking already ended otherwise (resolved or expired): nothing to stop. */
export class OrderNotTrackedError extends Error {
  override readonly name = 'OrderNotTrackedError';
  constructor(
    readonly orderId: number,
    readonly state: Exclude<TrackingState, 'tracking' | 'untracked'>,
  ) {
    super(`order ${orderId} is not tracked: it ${state} on its own, so there is nothing to stop`);
  }
}

export interface UntrackResult {
  /** True when this call stopped the tracking; false when it was stopped already (nothing written). */
  stopped: boolean;
  /** The order after the call, as `GET /orders/{orderId}` shows it. */
  order: OrderHistoryView;
}

/** A stop racing other writers re-reads and re-decides; a handful of rounds always settles it. */
const MAX_UNTRACK_ROUNDS = 8;

export async function untrackOrder(
  store: Pick<SessionStore, 'getOrder' | 'readOrder' | 'untrackOrder'>,
  orderId: number,
  request: UntrackRequest = {},
  now: () => Date = () => new Date(),
): Promise<UntrackResult> {
  for (let round = 1; ; round++) {
    const order = await store.getOrder(orderId);
    if (!order) throw new OrderNotFoundError(orderId);
    if (order.state === 'untracked')
      return { stopped: false, order: await readOrderHistory(store, orderId) };
    if (order.state !== 'tracking') throw new OrderNotTrackedError(orderId, order.state);
    try {
      await store.untrackOrder(order, request, now());
      return { stopped: true, order: await readOrderHistory(store, orderId) };
    } catch (error) {
      if (!(error instanceof StaleOrderError) || round >= MAX_UNTRACK_ROUNDS) throw error;
    }
  }
}
