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

/**
 * `untracked` is final like `expired`: someone stopped the tracking by hand (`DELETE
 * /orders/{orderId}`, `npm run untrack`); only a new announcement tracks the order again.
 */
export type TrackingState = 'tracking' | 'resolved' | 'expired' | 'untracked';

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
 * - `untracked`: someone stopped the order's tracking by hand.
 */
export type HistoryKind = 'observed' | 'changed' | 'resolved' | 'expired' | 'untracked';

/** The kinds that concern the order as a whole (no session): they end its tracking. */
export type OrderEndKind = Extract<HistoryKind, 'expired' | 'untracked'>;

/** What names an entry in its keys and event id: its session, or the order end it records. */
export type SessionPart = number | OrderEndKind;

/** One audit-trail entry; also the outbox record that becomes exactly one event. */
export interface HistoryEntry {
  orderId: number;
  /** Null for `expired` and `untracked`, which concern the order as a whole. */
  sessionId: number | null;
  kind: HistoryKind;
  /** The session's transition number (1 = first observation); for an order end, the order's version. */
  seq: number;
  previousStatus: string | null;
  /** Null for an order end (`expired`, `untracked`). */
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
  /** For an order end: the sessions that were still pending when tracking ended. */
  pendingSessionIds?: number[];
  /** For `untracked`: why, as the person who stopped it said (free text, bounded). */
  reason?: string;
  /** For `untracked`: who asked (the IAM caller's ARN, or the CLI and its OS user). */
  requestedBy?: string;
}
