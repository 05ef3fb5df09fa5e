/**
 * Drives the real `SessionStore` to write history the way the tracker does: track an order,
 * then record what OneEntry "reported" at successive times.
 */
import type { HistoryEntry, PaymentSession } from '../../functions/core/model';
import { StatusModel } from '../../functions/core/status';
import type { SessionStore } from '../../functions/core/store';

export const statuses = new StatusModel(['waiting', 'processing']);

export function paymentSession(
  orderId: number,
  id: number,
  status: string,
  overrides: Partial<PaymentSession> = {},
): PaymentSession {
  return {
    id,
    orderId,
    status,
    type: 'session',
    paymentAccountId: 7,
    paymentUrl: `https://pay.example/${id}`,
    amount: 125.5,
    createdDate: '2025-03-01T10:00:00.000Z',
    updatedDate: '2025-03-01T10:00:00.000Z',
    ...overrides,
  };
}

/** One poll's worth of sessions: `[sessionId, status]` pairs, or full sessions. */
export type Step = ReadonlyArray<readonly [number, string] | PaymentSession>;

/**
 * Tracks `orderId` from `start` and records each step one minute apart. Returns the history
 * entries written, in order.
 */
export async function driveOrder(
  store: SessionStore,
  orderId: number,
  steps: readonly Step[],
  start = new Date('2025-03-01T10:00:00.000Z'),
): Promise<HistoryEntry[]> {
  await store.trackOrder(orderId, start);
  const written: HistoryEntry[] = [];
  for (const [index, step] of steps.entries()) {
    const order = await store.getOrder(orderId);
    if (!order) throw new Error(`order ${orderId} vanished`);
    const sessions = step.map((item) =>
      Array.isArray(item) ? paymentSession(orderId, item[0], item[1]) : (item as PaymentSession),
    );
    const at = new Date(start.getTime() + (index + 1) * 60_000);
    const result = await store.recordObservation(order, sessions, statuses, at);
    written.push(...result.transitions);
  }
  return written;
}
