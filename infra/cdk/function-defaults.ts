/**
 * Timeouts and retries of the deployed functions, defined once: the stack uses them as its
 * defaults, and `npm start` gives its local invocations the same budgets, so a cycle or a
 * webhook behaves locally as it will in Lambda.
 */
import { Duration } from 'aws-cdk-lib';

export const FUNCTION_TIMEOUTS = {
  /** A poll cycle stops starting checks when its time runs low, so this bounds one cycle. */
  poller: Duration.minutes(2),
  /** A sweep stops reading when its time runs low; the next resumes from its checkpoint. */
  discovery: Duration.minutes(2),
  /** Under the HTTP API's 30-second integration limit, with room for upstream retries. */
  webhook: Duration.seconds(28),
  history: Duration.seconds(10),
  /** A read, one transaction (a few more when racing a poll) and a read back. */
  untrack: Duration.seconds(10),
  publisher: Duration.seconds(60),
} as const;

/** Stream batch retries; with bisection and per-item failures only bad records use them up. */
export const PUBLISHER_RETRY_ATTEMPTS = 10;
