/**
 * HTTP responses of the history API, errors as RFC 9457 problem details
 * (`application/problem+json`). The problem types are tag URIs: stable identifiers that need
 * no web page to exist, which RFC 9457 (section 3.1.1) suggests for types that are not
 * meant to be dereferenced.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export const PROBLEM_TYPE = {
  invalidOrderId: 'tag:payment-session-watch,2025:problems/invalid-order-id',
  orderNotFound: 'tag:payment-session-watch,2025:problems/order-not-found',
  methodNotAllowed: 'tag:payment-session-watch,2025:problems/method-not-allowed',
  internal: 'tag:payment-session-watch,2025:problems/internal-error',
} as const;

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

// Audit data changes with every poll: never let a cache serve a stale trail.
const NO_STORE = { 'cache-control': 'no-store' };

export function jsonResponse(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...NO_STORE },
    body: JSON.stringify(body),
  };
}

export function problemResponse(
  problem: ProblemDetails,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json', ...NO_STORE, ...headers },
    body: JSON.stringify(problem),
  };
}
