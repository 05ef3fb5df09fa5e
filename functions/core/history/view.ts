/**
 * The audit view of one order: its tracking state, its sessions and its history, oldest
 * first. Shared by the HTTP handler and the CLI, so both always show the same thing.
 */
import { InvalidOrderIdError } from '../errors';
import type {
  HistoryEntry,
  HistoryKind,
  OrderState,
  TrackingSource,
  TrackingState,
} from '../model';
import type { OrderRecord } from '../store';
import { OrderNotFoundError } from './errors';

export interface SessionView {
  sessionId: number;
  status: string;
  resolved: boolean;
  /** Transitions recorded for the session (1 = first observation). */
  transitions: number;
  amount: number | null;
  type: string;
  paymentAccountId: number;
  createdDate: string;
  updatedDate: string;
  firstSeenAt: string;
  lastChangedAt: string;
}

export interface HistoryItemView {
  observedAt: string;
  /** Null for an order end (`expired`, `untracked`). */
  sessionId: number | null;
  kind: HistoryKind;
  previousStatus: string | null;
  status: string | null;
  resolved: boolean;
  seq: number;
  /** The `eventId` of the event this entry was published as. */
  eventId: string;
  /** For an order end: sessions still pending when tracking ended. */
  pendingSessionIds?: number[];
  /** For `untracked`: why, as the person who stopped it said. */
  reason?: string;
  /** For `untracked`: who asked. */
  requestedBy?: string;
}

/** An order as the listings show it: the order view without its history. */
export type OrderView = Omit<OrderHistoryView, 'history'>;

/** A history entry as the transition listing shows it: the entry's view plus its order. */
export interface TransitionView extends HistoryItemView {
  orderId: number;
}

export interface OrderHistoryView {
  orderId: number;
  state: TrackingState;
  trackedSince: string;
  /** Who started the current tracking period: `webhook` or `discovery`. */
  source: TrackingSource;
  lastChangedAt: string | null;
  sessions: SessionView[];
  history: HistoryItemView[];
}

/** What the view needs of `SessionStore`. */
export interface OrderReader {
  readOrder(orderId: number): Promise<OrderRecord | undefined>;
}

const POSITIVE_INTEGER = /^[1-9][0-9]*$/;

/** Accepts only a canonical positive integer (`0`, `-1`, `1.5`, `1e3`, `007` are refused). */
export function parseOrderId(raw: unknown): number {
  const text = typeof raw === 'string' ? raw.trim() : undefined;
  if (text === undefined || !POSITIVE_INTEGER.test(text)) throw new InvalidOrderIdError(raw);
  const orderId = Number(text);
  if (!Number.isSafeInteger(orderId)) throw new InvalidOrderIdError(raw);
  return orderId;
}

export function toOrderView(order: OrderState): OrderView {
  const sessions = Object.entries(order.sessions)
    .map(
      ([sessionId, snapshot]): SessionView => ({
        sessionId: Number(sessionId),
        status: snapshot.status,
        resolved: snapshot.resolved,
        transitions: snapshot.seq,
        amount: snapshot.amount,
        type: snapshot.type,
        paymentAccountId: snapshot.paymentAccountId,
        createdDate: snapshot.createdDate,
        updatedDate: snapshot.updatedDate,
        firstSeenAt: snapshot.firstSeenAt,
        lastChangedAt: snapshot.lastChangedAt,
      }),
    )
    .sort((a, b) => a.sessionId - b.sessionId);
  return {
    orderId: order.orderId,
    state: order.state,
    trackedSince: order.trackedSince,
    // Orders tracked before the source was kept all came from the webhook.
    source: order.source ?? 'webhook',
    lastChangedAt: order.lastChangedAt ?? null,
    sessions,
  };
}

export function toHistoryItemView(entry: HistoryEntry): HistoryItemView {
  return {
    observedAt: entry.observedAt,
    sessionId: entry.sessionId,
    kind: entry.kind,
    previousStatus: entry.previousStatus,
    status: entry.status,
    resolved: entry.resolved,
    seq: entry.seq,
    eventId: entry.eventId,
    ...(entry.kind === 'expired' || entry.kind === 'untracked'
      ? { pendingSessionIds: entry.pendingSessionIds ?? [] }
      : {}),
    ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    ...(entry.requestedBy === undefined ? {} : { requestedBy: entry.requestedBy }),
  };
}

export function toTransitionView(entry: HistoryEntry): TransitionView {
  return { orderId: entry.orderId, ...toHistoryItemView(entry) };
}

export function toOrderHistoryView({ order, history }: OrderRecord): OrderHistoryView {
  return { ...toOrderView(order), history: history.map(toHistoryItemView) };
}

/** The view of `orderId`; throws `OrderNotFoundError` when the table does not know it. */
export async function readOrderHistory(
  store: OrderReader,
  orderId: number,
): Promise<OrderHistoryView> {
  const record = await store.readOrder(orderId);
  if (!record) throw new OrderNotFoundError(orderId);
  return toOrderHistoryView(record);
}
