/**
 * Compares what OneEntry reports with what the order item remembers. Pure: no I/O, so the
 * rules of what counts as a transition, and of which observation is the newer, are tested
 * without a table.
 *
 * Observations are ordered: several checkers (the poller, webhook checks, a check abandoned
 * after its budget) can read the same session at different moments and record in any order.
 * An observation is applied only when it is not older than what is recorded for the session:
 * OneEntry's `updatedDate` decides, and when it is equal or missing, the time the request was
 * sent does. An older one is dropped (counted as stale), never recorded.
 */
import type {
  HistoryEntry,
  HistoryKind,
  OrderEndKind,
  OrderState,
  PaymentSession,
  SessionPart,
  SessionSnapshot,
  TrackingState,
} from './model';
import type { StatusModel } from './status';

export interface Observation {
  /** One history entry per session whose status is new or different. */
  transitions: HistoryEntry[];
  /**
   * The snapshots to store, keyed by session id: sessions that transitioned, and sessions
   * whose status is the same but whose `updatedDate` moved on (remembered so that an older
   * read that arrives later is known to be older).
   */
  snapshots: Record<string, SessionSnapshot>;
  /** Sessions whose observation was older than what is recorded, and was dropped. */
  stale: number;
  /** Every known session has resolved (and there is at least one). */
  orderResolved: boolean;
  /** The tracking state the order should have after this observation. */
  state: TrackingState;
}

export const eventIdFor = (orderId: number, sessionId: SessionPart, seq: number) =>
  `pss-${orderId}-${sessionId}-${seq}`;

type Order = 'older' | 'same' | 'newer';

/** Epoch ms of an ISO date, or undefined when absent or unreadable. */
function instant(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * How an observation of a session compares with the recorded snapshot: by `updatedDate`,
 * then (equal or missing) by the time each request was sent. Same status and same
 * `updatedDate` is the same observation, whenever it was made.
 */
function compare(
  recorded: SessionSnapshot,
  session: PaymentSession,
  requestedAt: number,
): { order: Order; byUpdatedDate: boolean } {
  const seen = instant(session.updatedDate);
  const known = instant(recorded.updatedDate);
  if (seen !== undefined && known !== undefined && seen !== known) {
    return { order: seen > known ? 'newer' : 'older', byUpdatedDate: true };
  }
  if (session.status === recorded.status) return { order: 'same', byUpdatedDate: false };
  // Snapshots written before request times were kept: the write happened after its request.
  const knownRequest = instant(recorded.requestedAt) ?? instant(recorded.lastChangedAt) ?? 0;
  return { order: requestedAt < knownRequest ? 'older' : 'newer', byUpdatedDate: false };
}

export function observe(
  order: OrderState,
  sessions: readonly PaymentSession[],
  observedAt: string,
  statuses: StatusModel,
  requestedAt: string = observedAt,
): Observation {
  const transitions: HistoryEntry[] = [];
  const snapshots: Record<string, SessionSnapshot> = {};
  if (order.state === 'untracked') {
    // Stopped by hand: a check that raced the stop (or read a stale due index) records nothing
    // after it. Only a new announcement, which starts a new tracking period, records again.
    return { transitions, snapshots, stale: 0, orderResolved: false, state: order.state };
  }
  const requestedMs = instant(requestedAt) ?? 0;
  let stale = 0;
  let reopened = false;
  for (const session of sessions) {
    if (session.orderId !== order.orderId) continue; // never let one order's data touch another
    const key = String(session.id);
    const previous = snapshots[key] ?? order.sessions[key];
    const resolved = statuses.isResolved(session.status);
    if (previous) {
      const { order: relation, byUpdatedDate } = compare(previous, session, requestedMs);
      if (relation === 'same') continue;
      // A resolved session is reopened only by OneEntry saying so with a newer updatedDate.
      const reopening = previous.resolved && !resolved;
      if (relation === 'older' || (reopening && !byUpdatedDate)) {
        stale++;
        continue;
      }
      if (previous.status === session.status) {
        // Same status, newer updatedDate: nothing to announce, but the order of reads moved on.
        snapshots[key] = { ...previous, updatedDate: session.updatedDate, requestedAt };
        continue;
      }
      reopened ||= reopening;
    }
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
      requestedAt,
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
  const all = Object.values({ ...order.sessions, ...snapshots });
  const orderResolved =
    all.length > 0 && all.every((snapshot) => statuses.isResolved(snapshot.status));
  return {
    transitions,
    snapshots,
    stale,
    orderResolved,
    state: nextState(order.state, orderResolved, reopened || transitions.some(isNewPending)),
  };
}

/** How an order's tracking ends: expired, or stopped by hand (with what the requester said). */
export interface OrderEnd {
  kind: OrderEndKind;
  /** Which recorded sessions count as still pending. */
  pending: (snapshot: SessionSnapshot) => boolean;
  reason?: string;
  requestedBy?: string;
}

/** The order-wide entry that ends `order`'s tracking period (its seq: the order's next version). */
export function orderEndEntry(order: OrderState, end: OrderEnd, observedAt: string): HistoryEntry {
  const seq = order.version + 1;
  const { kind, pending, ...said } = end;
  return {
    orderId: order.orderId,
    sessionId: null,
    kind,
    seq,
    previousStatus: null,
    status: null,
    resolved: false,
    observedAt,
    eventId: eventIdFor(order.orderId, kind, seq),
    pendingSessionIds: Object.entries(order.sessions)
      .filter(([, snapshot]) => pending(snapshot))
      .map(([sessionId]) => Number(sessionId)),
    ...said,
  };
}

const isNewPending = (entry: HistoryEntry) => entry.kind === 'observed';

/**
 * Tracking ends when every session has resolved, and starts again when a resolved order
 * shows a pending session (a real reopen, or a new session). An expired (or untracked) order
 * stays so: only a new announcement (the webhook) starts a new tracking period for it.
 */
function nextState(
  current: TrackingState,
  orderResolved: boolean,
  pendingAgain: boolean,
): TrackingState {
  if (orderResolved) return current === 'tracking' ? 'resolved' : current;
  if (current === 'resolved' && pendingAgain) return 'tracking';
  return current;
}
