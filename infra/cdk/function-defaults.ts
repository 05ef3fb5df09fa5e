/**
 * Timeouts and retries of the deployed functions, defined once: the stack uses them as its
 * defaults, and `npm start` gives its local invocations the same budgets, so a cycle or a
 * webhook behaves locally as it will in Lambda. Plain seconds, not the CDK's `Duration`:
 * `npm start` reads them too, and loading aws-cdk-lib would cost each start about 0.3 s of CPU.
 */

export const FUNCTION_TIMEOUT_SECONDS = {
  /** A poll cycle stops starting checks when its time runs low, so this bounds one cycle. */
  poller: 120,
  /** A sweep stops reading when its time runs low; the next resumes from its checkpoint. */
  discovery: 120,
  /** Under the HTTP API's 30-second integration limit, with room for upstream retries. */
  webhook: 28,
  history: 10,
  /** A read, one transaction (a few more when racing a poll) and a read back. */
  untrack: 10,
  publisher: 60,
} as const;

export type FunctionName = keyof typeof FUNCTION_TIMEOUT_SECONDS;

/** Stream batch retries; with bisection and per-item failures only bad records use them up. */
export const PUBLISHER_RETRY_ATTEMPTS = 10;
