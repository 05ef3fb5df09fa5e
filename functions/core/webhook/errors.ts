/**
 * The refusals of the webhook, one named class each. Each carries the problem it answers
 * with, so the intake turns any of them into an answer in one place.
 */
import type { FieldProblem, Problem } from '../http-answers';
import { PROBLEM_TYPES } from './problems';

/** What a refusal is called in the log line. */
export type RefusalOutcome =
  | 'method-not-allowed'
  | 'payload-too-large'
  | 'invalid-encoding'
  | 'unauthorized'
  | 'unsupported-media-type'
  | 'invalid-json'
  | 'invalid-body'
  | 'webhook-id-reused'
  | 'in-progress';

export abstract class WebhookRequestError extends Error {
  abstract readonly outcome: RefusalOutcome;
  abstract readonly problem: Problem;
  readonly headers: Record<string, string> = {};
}

export class MethodNotAllowedError extends WebhookRequestError {
  override readonly name = 'MethodNotAllowedError';
  readonly outcome = 'method-not-allowed';
  readonly problem = { type: PROBLEM_TYPES.blank, title: 'Method Not Allowed', status: 405 };
  override readonly headers = { allow: 'POST' };
  constructor() {
    super('only POST is allowed');
  }
}

export class PayloadTooLargeError extends WebhookRequestError {
  override readonly name = 'PayloadTooLargeError';
  readonly outcome = 'payload-too-large';
  readonly problem: Problem;
  constructor(limitBytes: number) {
    super(`the body is over ${limitBytes} bytes`);
    this.problem = {
      type: PROBLEM_TYPES.blank,
      title: 'Content Too Large',
      status: 413,
      detail: `The body must be at most ${limitBytes} bytes.`,
    };
  }
}

/** `isBase64Encoded` with a body that is not base64: a broken gateway or adapter. */
export class BodyEncodingError extends WebhookRequestError {
  override readonly name = 'BodyEncodingError';
  readonly outcome = 'invalid-encoding';
  readonly problem = {
    type: PROBLEM_TYPES.invalidEncoding,
    title: 'Body is not valid base64',
    status: 400,
  };
  constructor() {
    super('the body is marked base64-encoded but is not base64');
  }
}

/** Why a signature was refused. Logged only: every caller gets the same 401. */
export type SignatureFailure =
  | 'missing-headers'
  | 'malformed-headers'
  | 'timestamp-out-of-tolerance'
  | 'no-matching-signature';

export class WebhookSignatureError extends WebhookRequestError {
  override readonly name = 'WebhookSignatureError';
  readonly outcome = 'unauthorized';
  readonly problem = { type: PROBLEM_TYPES.blank, title: 'Unauthorized', status: 401 };
  constructor(readonly reason: SignatureFailure) {
    super(`signature refused: ${reason}`);
  }
}

export class UnsupportedMediaTypeError extends WebhookRequestError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly outcome = 'unsupported-media-type';
  readonly problem = {
    type: PROBLEM_TYPES.blank,
    title: 'Unsupported Media Type',
    status: 415,
    detail: 'The body must be application/json (UTF-8).',
  };
  override readonly headers = { 'accept-post': 'application/json' };
  constructor() {
    super('the content type is not JSON');
  }
}

export class InvalidJsonError extends WebhookRequestError {
  override readonly name = 'InvalidJsonError';
  readonly outcome = 'invalid-json';
  readonly problem = {
    type: PROBLEM_TYPES.invalidJson,
    title: 'Body is not valid JSON',
    status: 400,
    detail: 'The body must be a UTF-8 JSON document.',
  };
  constructor() {
    super('the body is not valid UTF-8 JSON');
  }
}

export class InvalidBodyError extends WebhookRequestError {
  override readonly name = 'InvalidBodyError';
  readonly outcome = 'invalid-body';
  readonly problem: Problem;
  constructor(readonly errors: FieldProblem[]) {
    super(`invalid fields: ${errors.map((error) => error.pointer).join(', ')}`);
    this.problem = {
      type: PROBLEM_TYPES.invalidBody,
      title: 'Body is invalid',
      status: 400,
      detail: 'One or more fields are invalid; see errors.',
      errors,
    };
  }
}

/** The same `webhook-id` came with another body: a sender bug, never a retry. */
export class WebhookIdReusedError extends WebhookRequestError {
  override readonly name = 'WebhookIdReusedError';
  readonly outcome = 'webhook-id-reused';
  readonly problem = {
    type: PROBLEM_TYPES.webhookIdReused,
    title: 'webhook-id already used for another body',
    status: 422,
    detail: 'A webhook-id identifies one message; send a new id for a new message.',
  };
  constructor() {
    super('webhook-id reused with another body');
  }
}

/** A delivery with this id is being handled right now; the sender should retry shortly. */
export class DeliveryInProgressError extends WebhookRequestError {
  override readonly name = 'DeliveryInProgressError';
  readonly outcome = 'in-progress';
  readonly problem = {
    type: PROBLEM_TYPES.deliveryInProgress,
    title: 'Delivery in progress',
    status: 409,
    detail: 'A delivery with this webhook-id is being processed; retry later.',
  };
  override readonly headers: Record<string, string>;
  constructor(retryAfterSeconds: number) {
    super('a delivery with this webhook-id is in progress');
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}

/** A configured secret is not a Standard Webhooks secret (`whsec_` + base64). */
export class InvalidWebhookSecretError extends Error {
  override readonly name = 'InvalidWebhookSecretError';
  constructor(index: number) {
    // The position only: the value must never reach a log.
    super(`webhook secret #${index + 1} is not a valid Standard Webhooks secret`);
  }
}
