/**
 * Compares what OneEntry reports with what the order item remembers. Pure: no I/O, so the
 * rules of what counts as a transition are tested without a table.
 */
import type {
  HistoryEntry,
  HistoryKind,
  OrderState,
  PaymentSession,
  SessionSnapshot,
} from './model';
import type { StatusModel } from './status';

export interface Observation {
  /** One history entry per session whose status is new or different. */
  transitions: HistoryEntry[];
  /** The snapshots to store for the sessions that transitioned, keyed by session id. */
  snapshots: Record<string, SessionSnapshot>;
  /** Every known session has resolved (and there is at least one). */
  orderResolved: boolean;
}

export const eventIdFor = (orderId: number, sessionId: number | 'expired', seq: number) =>
  `pss-${orderId}-${sessionId}-${seq}`;

export function observe(
  order: OrderState,
  sessions: readonly PaymentSession[],
  observedAt: string,
  statuses: StatusModel,
): Observation {
  const transitions: HistoryEntry[] = [];
  const snapshots: Record<string, SessionSnapshot> = {};
  for (const session of sessions) {
    if (session.orderId !== order.orderId) continue; // never let one order's data touch another
    const key = String(session.id);
    const previous = order.sessions[key] ?? snapshots[key];
    if (previous && previous.status === session.status) continue;
    const resolved = statuses.isResolved(session.status);
    const seq = (previous?.seq ?? 0) + 1;
    const kind: HistoryKind = resolved ? 'resolved' : previous ? 'changed' : 'observed';
    snapshots[key] = {
      status: session.status,
      seq,
      resolved,
      type: session.type,
      paymentAccountId: session.paymentAccountId,
      amount: session.amount,
      createdDate: session.createdDate,
      updatedDate: session.updatedDate,
      firstSeenAt: previous?.firstSeenAt ?? observedAt,
      lastChangedAt: observedAt,
    };
    transitions.push({
      orderId: order.orderId,
      sessionId: session.id,
      kind,
      seq,
      previousStatus: previous?.status ?? null,
      status: session.status,
      resolved,
      observedAt,
      eventId: eventIdFor(order.orderId, session.id, seq),
      amount: session.amount,
      paymentAccountId: session.paymentAccountId,
      sessionType: session.type,
      updatedDate: session.updatedDate,
    });
  }
  const merged = { ...order.sessions, ...snapshots };
  const all = Object.values(merged);
  const orderResolved =
    all.length > 0 && all.every((snapshot) => statuses.isResolved(snapshot.status));
  return { transitions, snapshots, orderResolved };
}
