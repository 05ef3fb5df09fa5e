/**
 * The webhook's problem types and its internal-error answer; the answers themselves are
 * built by `core/http-answers`.
 */
import { type HttpAnswer, problemAnswer } from '../http-answers';

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

/** Our own failure: nothing about its cause leaves the service (the log has it). */
export const internalErrorAnswer = (): HttpAnswer =>
  problemAnswer({ type: PROBLEM_TYPES.blank, title: 'Internal Server Error', status: 500 });
