/**
 * The data the tracker works with, as stored. Plain types with no AWS or Lambda in them, so
 * every part of the system (handlers, local runtime, CLI, tests) shares one vocabulary.
 */

/** A payment session as OneEntry reports it, with `clientSecret` already dropped. */
export interface PaymentSession {
  id: number;
  orderId: number;
  /** Free-form: each OneEntry project configures its own statuses. */
  status: string;
  type: string;
  paymentAccountId: number;
  paymentUrl: string | null;
  amount: number | null;
  createdDate: string;
  updatedDate: string;
}

/** What the order item remembers of one session. */
export interface SessionSnapshot {
  status: string;
  /** Transitions recorded for this session; the first observation is 1. */
  seq: number;
  resolved: boolean;
  type: string;
  paymentAccountId: number;
  amount: number | null;
  createdDate: string;
  updatedDate: string;
  /**
   * When the request that read this status (or this `updatedDate`) was sent: orders two
   * observations whose `updatedDate` is equal or missing. Absent on snapshots written before it.
   */
  requestedAt?: string;
  firstSeenAt: string;
  lastChangedAt: string;
}

export type TrackingState = 'tracking' | 'resolved' | 'expired';

/** Who started the order's tracking period: a signed webhook, or the discovery sweep. */
export type TrackingSource = 'webhook' | 'discovery';

/** The order item: current state of every session of the order. */
export interface OrderState {
  orderId: number;
  state: TrackingState;
  /** When the current tracking period started (ISO-8601). */
  trackedSince: string;
  /** Who started the current tracking period (absent on orders tracked before it was kept). */
  source?: TrackingSource;
  /** Bumped by every write that changes sessions or state; guards concurrent recorders. */
  version: number;
  /** Keyed by session id (as a string, the way DynamoDB map keys are). */
  sessions: Record<string, SessionSnapshot>;
  lastChangedAt?: string;
}

/**
 * - `observed`: first sight of a session that is still pending.
 * - `changed`: a pending session moved to another status that is still pending.
 * - `resolved`: a session entered a status that is not pending (first sight included).
 * - `expired`: the tracker gave up on the order after `MAX_TRACKING_HOURS`.
 */
export type HistoryKind = 'observed' | 'changed' | 'resolved' | 'expired';

/** One audit-trail entry; also the outbox record that becomes exactly one event. */
export interface HistoryEntry {
  orderId: number;
  /** Null for `expired`, which concerns the order as a whole. */
  sessionId: number | null;
  kind: HistoryKind;
  /** The session's transition number (1 = first observation); for `expired`, the order's version. */
  seq: number;
  previousStatus: string | null;
  /** Null for `expired`. */
  status: string | null;
  resolved: boolean;
  /** When the tracker saw the change (ISO-8601). */
  observedAt: string;
  /** Stable, derived from the entry: a re-publish carries the same id. */
  eventId: string;
  amount?: number | null;
  paymentAccountId?: number;
  sessionType?: string;
  updatedDate?: string;
  /** For `expired`: the sessions that were still pending when tracking ended. */
  pendingSessionIds?: number[];
}
