/**
 * Problem types of the history API (the answers are built by `core/http-answers`). Tag URIs:
 * stable identifiers that need no web page to exist, which RFC 9457 (section 3.1.1) suggests
 * for types that are not meant to be dereferenced.
 */
export const PROBLEM_TYPE = {
  invalidOrderId: 'tag:payment-session-watch,2025:problems/invalid-order-id',
  orderNotFound: 'tag:payment-session-watch,2025:problems/order-not-found',
  methodNotAllowed: 'tag:payment-session-watch,2025:problems/method-not-allowed',
  internal: 'tag:payment-session-watch,2025:problems/internal-error',
} as const;
