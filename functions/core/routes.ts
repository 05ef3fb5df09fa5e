/**
 * The HTTP API's routes, defined once: the stack's API Gateway routes and the local runtime's
 * router are both built from these, so the two answer the same methods on the same paths.
 */
export const ROUTES = {
  /** The shop's signed webhook. */
  webhook: { method: 'POST', path: '/webhooks/payment-sessions' },
  /** An order's audit trail (IAM-authorized in AWS). */
  history: { method: 'GET', path: '/orders/{orderId}' },
  /** Stops tracking an order by hand (IAM-authorized in AWS, like the history). */
  untrack: { method: 'DELETE', path: '/orders/{orderId}' },
  /** The audit listings: orders by state or stuck (IAM-authorized in AWS). */
  orders: { method: 'GET', path: '/orders' },
  /** The audit listing of transitions in a time range (IAM-authorized in AWS). */
  transitions: { method: 'GET', path: '/transitions' },
} as const;

/** `METHOD /path`, the route key API Gateway (and the local router) match on. */
export const routeKey = (route: { method: string; path: string }) =>
  `${route.method} ${route.path}`;
