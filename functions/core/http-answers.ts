/**
 * HTTP answers as plain values, refusals as RFC 9457 problem details. Lambda-free: handlers
 * return these unchanged (they fit API Gateway's structured result), the local runtime writes
 * them to a socket. Shared by the webhook and the history API.
 */

export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** One invalid field, named by a JSON Pointer (RFC 9457's own `errors` example). */
export interface FieldProblem {
  pointer: string;
  detail: string;
}

/** One invalid query parameter, named (its value is never echoed). */
export interface ParameterProblem {
  parameter: string;
  detail: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** The request path the problem is about. */
  instance?: string;
  errors?: (FieldProblem | ParameterProblem)[];
  /** RFC 9457 extension members, e.g. the `orderId` that was not found. */
  [extension: string]: unknown;
}

/** Every answer: never cached, never sniffed into something else. */
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function jsonAnswer(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpAnswer {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...COMMON_HEADERS, ...headers },
    body: JSON.stringify(body),
  };
}

export function problemAnswer(problem: Problem, headers: Record<string, string> = {}): HttpAnswer {
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json', ...COMMON_HEADERS, ...headers },
    body: JSON.stringify(problem),
  };
}
