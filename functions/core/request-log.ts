/**
 * One structured log line per API request, and a 500 problem (never internals) when the
 * answer failed on our side. Lambda-free: the handlers pass what they know of the request.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type HttpAnswer, problemAnswer } from './http-answers';
import { PROBLEM_TYPES } from './problem-types';

/**
 * What the log line reads of a request: the parts of an HTTP API (payload v2) event it needs,
 * by shape, so that this module stays Lambda-free. Of the query string, only parameter names
 * are logged, never values.
 */
export interface ApiRequest {
  requestContext?: { http?: { method?: string } };
  /** Also the 500's `instance`. */
  rawPath: string;
  pathParameters?: { orderId?: string } | undefined;
  rawQueryString?: string;
}

export interface LoggedRequest {
  /** The log message, e.g. `history request`; a failure logs it with ` failed`. */
  message: string;
  request: ApiRequest;
  /** The 500's `detail`: what could not be done. */
  failure: string;
}

export async function answerLogged(
  logger: Pick<Logger, 'info' | 'error'>,
  request: LoggedRequest,
  respond: () => Promise<HttpAnswer>,
): Promise<HttpAnswer> {
  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  const { requestContext, rawPath: path, pathParameters, rawQueryString } = request.request;
  const line = {
    method: requestContext?.http?.method,
    path,
    orderId: pathParameters?.orderId,
    // Names only: values (a cursor, a status, a reason) are the caller's, not the log's.
    parameters: [...new Set(new URLSearchParams(rawQueryString ?? '').keys())],
  };
  try {
    const result = await respond();
    logger.info(request.message, {
      ...line,
      statusCode: result.statusCode,
      durationMs: durationMs(),
    });
    return result;
  } catch (error) {
    // Our failure, not the client's: log it whole, answer without internals.
    logger.error(`${request.message} failed`, {
      ...line,
      statusCode: 500,
      durationMs: durationMs(),
      error: error as Error,
    });
    return problemAnswer({
      type: PROBLEM_TYPES.internal,
      title: 'Internal error',
      status: 500,
      detail: request.failure,
      instance: path,
    });
  }
}
