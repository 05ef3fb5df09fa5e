/**
 * Every problem type the HTTP API answers with (RFC 9457), defined once, for the webhook, the
 * history API and the local server alike. Tag URIs (RFC 4151), as RFC 9457 §3.1.1 allows:
 * stable identifiers that do not pretend to be documentation pages. `about:blank` where the
 * status code says everything (and where saying more would help an attacker).
 */
const tag = (name: string) => `tag:payment-session-watch,2026:${name}`;

export const PROBLEM_TYPES = {
  blank: 'about:blank',
  // Requests the server could not read.
  badRequest: tag('bad-request'),
  uriTooLong: tag('uri-too-long'),
  payloadTooLarge: tag('payload-too-large'),
  methodNotAllowed: tag('method-not-allowed'),
  // The webhook.
  invalidJson: tag('invalid-json'),
  invalidBody: tag('invalid-body'),
  invalidEncoding: tag('invalid-body-encoding'),
  webhookIdReused: tag('webhook-id-reused'),
  deliveryInProgress: tag('delivery-in-progress'),
  // The history API.
  invalidOrderId: tag('invalid-order-id'),
  orderNotFound: tag('order-not-found'),
  /** `DELETE /orders/{orderId}` of an order that resolved or expired on its own. */
  orderNotTracked: tag('order-not-tracked'),
  invalidParameters: tag('invalid-parameters'),
  // Our own failure.
  internal: tag('internal-error'),
} as const;
