/**
 * Answers as plain HTTP values, and refusals as RFC 9457 problem details. Lambda-free: the
 * handler passes these through unchanged, the local runtime writes them to a socket.
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

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldProblem[];
}

/**
 * Problem types of this service. Tag URIs (RFC 4151), as RFC 9457 §3.1.1 allows: stable
 * identifiers that do not pretend to be documentation pages. `about:blank` is used where
 * the status code says everything (and where saying more would help an attacker).
 */
export const PROBLEM_TYPES = {
  blank: 'about:blank',
  invalidJson: 'tag:payment-session-watch,2026:invalid-json',
  invalidBody: 'tag:payment-session-watch,2026:invalid-body',
  invalidEncoding: 'tag:payment-session-watch,2026:invalid-body-encoding',
  webhookIdReused: 'tag:payment-session-watch,2026:webhook-id-reused',
  deliveryInProgress: 'tag:payment-session-watch,2026:delivery-in-progress',
} as const;

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

/** Our own failure: nothing about its cause leaves the service (the log has it). */
export const internalErrorAnswer = (): HttpAnswer =>
  problemAnswer({ type: PROBLEM_TYPES.blank, title: 'Internal Server Error', status: 500 });
