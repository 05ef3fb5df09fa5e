/**
 * The public event contract: what subscribers receive on the bus, defined once with zod. The
 * TS types below are what subscribers import; the JSON Schema committed beside this file is
 * generated from the same definitions (`schema.ts`), and a test fails when the two drift.
 *
 * Compatibility: fields may be added within a `schemaVersion`; removing or changing one bumps
 * it. The JSON Schema therefore allows unknown properties, so validators do not break on
 * additions. The producer still emits only the fields below (it builds the detail explicitly
 * and parses it with these schemas, which strip anything else): never a secret or a token.
 */
import { z } from 'zod';

/** Bumped on any change that is not purely additive. */
export const SCHEMA_VERSION = 1;

/** The default `source` (configurable with `EVENT_SOURCE`). */
export const DEFAULT_EVENT_SOURCE = 'oneentry.payments';

/** The `detail-type` of each event. */
export const DETAIL_TYPE = {
  statusChanged: 'Payment Session Status Changed',
  resolved: 'Payment Session Resolved',
  trackingExpired: 'Payment Session Tracking Expired',
  trackingStopped: 'Payment Session Tracking Stopped',
} as const;

export type PaymentSessionDetailType = (typeof DETAIL_TYPE)[keyof typeof DETAIL_TYPE];

const positiveInt = z.number().int().positive();

/** Fields every event carries, whatever its kind. */
const common = {
  schemaVersion: z.literal(SCHEMA_VERSION),
  eventId: z
    .string()
    .min(1)
    .describe(
      'Stable id of the history entry. A re-published event carries the same id: deduplicate on it.',
    ),
  orderId: positiveInt.describe('The OneEntry order.'),
  seq: positiveInt.describe(
    "The session's transition number (1 = first observation); for tracking-expired and tracking-stopped, the order's version.",
  ),
  observedAt: z.iso.datetime().describe('When the tracker saw the change (ISO-8601, UTC).'),
};

/** Fields of events about one session (everything but tracking-expired and tracking-stopped). */
const session = {
  sessionId: positiveInt.describe('The OneEntry payment session.'),
  status: z.string().describe('The status the session has now (free-form, per OneEntry project).'),
  amount: z
    .number()
    .nullable()
    .optional()
    .describe('Amount of the session, when OneEntry reports it.'),
  paymentAccountId: positiveInt.optional().describe('The OneEntry payment account of the session.'),
  type: z.string().optional().describe('The session type OneEntry reports (e.g. `session`).'),
  updatedDate: z
    .string()
    .optional()
    .describe("OneEntry's own last-update timestamp of the session."),
};

export const statusChangedDetailSchema = z
  .object({
    ...common,
    ...session,
    kind: z
      .enum(['observed', 'changed'])
      .describe(
        '`observed`: first sight of a pending session; `changed`: it moved to another pending status.',
      ),
    previousStatus: z.string().nullable().describe('Null on first observation.'),
    resolved: z.literal(false),
  })
  .meta({
    title: DETAIL_TYPE.statusChanged,
    description: `Detail of "${DETAIL_TYPE.statusChanged}".`,
  });

export const resolvedDetailSchema = z
  .object({
    ...common,
    ...session,
    kind: z.literal('resolved'),
    previousStatus: z
      .string()
      .nullable()
      .describe('Null when the session was first seen already resolved.'),
    resolved: z.literal(true),
  })
  .meta({ title: DETAIL_TYPE.resolved, description: `Detail of "${DETAIL_TYPE.resolved}".` });

/** Fields of the events that end an order's tracking: they concern no one session. */
const orderEnd = {
  sessionId: z.null().describe('Null: the end of tracking concerns the order as a whole.'),
  previousStatus: z.null(),
  status: z.null(),
  resolved: z.literal(false),
  pendingSessionIds: z
    .array(positiveInt)
    .describe('Sessions that were still pending when tracking ended.'),
};

/** Longest `reason` a stop by hand keeps, in characters. */
export const UNTRACK_REASON_MAX_LENGTH = 200;

export const trackingExpiredDetailSchema = z
  .object({ ...common, ...orderEnd, kind: z.literal('expired') })
  .meta({
    title: DETAIL_TYPE.trackingExpired,
    description: `Detail of "${DETAIL_TYPE.trackingExpired}": the tracker gave up on the order.`,
  });

export const trackingStoppedDetailSchema = z
  .object({
    ...common,
    ...orderEnd,
    kind: z.literal('untracked'),
    reason: z
      .string()
      .max(UNTRACK_REASON_MAX_LENGTH)
      .optional()
      .describe('Why tracking was stopped, as the person who stopped it said.'),
    requestedBy: z
      .string()
      .optional()
      .describe(
        'Who stopped it: the IAM caller of `DELETE /orders/{orderId}`, or `npm run untrack` and its user.',
      ),
  })
  .meta({
    title: DETAIL_TYPE.trackingStopped,
    description: `Detail of "${DETAIL_TYPE.trackingStopped}": someone stopped the order's tracking by hand (DELETE /orders/{orderId}, npm run untrack).`,
  });

/** The `detail` of every event, discriminated by `kind`. */
export const paymentSessionEventDetailSchema = z
  .discriminatedUnion('kind', [
    statusChangedDetailSchema,
    resolvedDetailSchema,
    trackingExpiredDetailSchema,
    trackingStoppedDetailSchema,
  ])
  .meta({
    title: 'Payment session event detail',
    description:
      'The `detail` of the events payment-session-watch publishes to EventBridge; `kind` tells which.',
  });

export type PaymentSessionStatusChangedDetail = z.output<typeof statusChangedDetailSchema>;
export type PaymentSessionResolvedDetail = z.output<typeof resolvedDetailSchema>;
export type PaymentSessionTrackingExpiredDetail = z.output<typeof trackingExpiredDetailSchema>;
export type PaymentSessionTrackingStoppedDetail = z.output<typeof trackingStoppedDetailSchema>;
export type PaymentSessionEventDetail = z.output<typeof paymentSessionEventDetailSchema>;
export type PaymentSessionEventKind = PaymentSessionEventDetail['kind'];

/** Which detail each detail-type carries: the map subscribers type their handlers with. */
export interface PaymentSessionDetailByType {
  'Payment Session Status Changed': PaymentSessionStatusChangedDetail;
  'Payment Session Resolved': PaymentSessionResolvedDetail;
  'Payment Session Tracking Expired': PaymentSessionTrackingExpiredDetail;
  'Payment Session Tracking Stopped': PaymentSessionTrackingStoppedDetail;
}

/**
 * The event as a subscriber receives it (the EventBridge envelope), e.g.
 * `(event: PaymentSessionEvent<'Payment Session Resolved'>) => ...`.
 */
export interface PaymentSessionEvent<
  T extends PaymentSessionDetailType = PaymentSessionDetailType,
> {
  version: string;
  id: string;
  'detail-type': T;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: PaymentSessionDetailByType[T];
}

export function detailTypeFor(kind: PaymentSessionEventKind): PaymentSessionDetailType {
  switch (kind) {
    case 'observed':
    case 'changed':
      return DETAIL_TYPE.statusChanged;
    case 'resolved':
      return DETAIL_TYPE.resolved;
    case 'expired':
      return DETAIL_TYPE.trackingExpired;
    case 'untracked':
      return DETAIL_TYPE.trackingStopped;
  }
}

/** An EventBridge pattern for this contract's events, in the JSON form rules take. */
export interface PaymentSessionEventPattern {
  source: string[];
  'detail-type': PaymentSessionDetailType[];
  detail?: { status: string[] };
}

/**
 * The pattern of events of `detailTypes` from `source`, optionally only those whose
 * `detail.status` is one of `statuses`. The construct's rule helpers and the README use it.
 */
export function paymentSessionEventPattern(options: {
  detailTypes: readonly PaymentSessionDetailType[];
  source?: string;
  statuses?: readonly string[];
}): PaymentSessionEventPattern {
  return {
    source: [options.source ?? DEFAULT_EVENT_SOURCE],
    'detail-type': [...options.detailTypes],
    ...(options.statuses?.length ? { detail: { status: [...options.statuses] } } : {}),
  };
}

/**
 * The EventBridge pattern the README documents: sessions that resolved as `completed`. Kept
 * here so a test proves it matches what the publisher actually emits.
 */
export const RESOLVED_AS_COMPLETED_PATTERN = paymentSessionEventPattern({
  detailTypes: [DETAIL_TYPE.resolved],
  statuses: ['completed'],
});
