/**
 * The audit API (API Gateway HTTP API, payload v2): `GET /orders/{orderId}` (one order's
 * trail), `GET /orders` (orders by state and last change, or stuck ones) and `GET /transitions`
 * (history entries in a time range). 200 with the view; 400/404/405 as problem details for
 * what the client sent; 500 only for our own failures. One structured log line per request.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { historyFromEnvironment } from '../core/environment';
import { InvalidOrderIdError } from '../core/errors';
import type { AuditQueries } from '../core/history/audit';
import { InvalidCursorError } from '../core/history/cursor';
import { OrderNotFoundError } from '../core/history/errors';
import {
  InvalidParametersError,
  parseOrdersParameters,
  parseTransitionsParameters,
} from '../core/history/listing-params';
import { type OrderReader, parseOrderId, readOrderHistory } from '../core/history/view';
import { jsonAnswer, type ParameterProblem, problemAnswer } from '../core/http-answers';
import { createLogger, HANDLER_LOG_CONTEXT } from '../core/observability';
import { PROBLEM_TYPES } from '../core/problem-types';
import { ROUTES } from '../core/routes';

export interface HistoryDeps {
  store: OrderReader;
  audit: Pick<AuditQueries, 'orders' | 'stuck' | 'transitions'>;
  logger: Logger;
  now?: () => Date;
}

type Result = APIGatewayProxyStructuredResultV2;

function invalidParameters(errors: ParameterProblem[], instance: string): Result {
  return problemAnswer({
    type: PROBLEM_TYPES.invalidParameters,
    title: 'Invalid query parameters',
    status: 400,
    detail: `Check ${errors.map((error) => error.parameter).join(', ')}; see errors.`,
    instance,
    errors,
  });
}

async function answer(event: APIGatewayProxyEventV2, deps: HistoryDeps): Promise<Result> {
  const route = event.routeKey.split(' ')[1];
  const now = deps.now?.() ?? new Date();
  const query = new URLSearchParams(event.rawQueryString ?? '');
  if (route === ROUTES.orders.path) {
    const request = parseOrdersParameters(query, now);
    return jsonAnswer(
      200,
      request.listing === 'stuck'
        ? await deps.audit.stuck(request.query)
        : await deps.audit.orders(request.query),
    );
  }
  if (route === ROUTES.transitions.path) {
    return jsonAnswer(200, await deps.audit.transitions(parseTransitionsParameters(query, now)));
  }
  const orderId = parseOrderId(event.pathParameters?.orderId);
  return jsonAnswer(200, await readOrderHistory(deps.store, orderId));
}

async function respond(event: APIGatewayProxyEventV2, deps: HistoryDeps): Promise<Result> {
  const instance = event.rawPath;
  const method = event.requestContext?.http?.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    return problemAnswer(
      {
        type: PROBLEM_TYPES.methodNotAllowed,
        title: 'Method not allowed',
        status: 405,
        detail: `${method} is not supported here; use GET`,
        instance,
      },
      { allow: 'GET, HEAD' },
    );
  }
  try {
    return await answer(event, deps);
  } catch (error) {
    if (error instanceof InvalidParametersError) return invalidParameters(error.errors, instance);
    if (error instanceof InvalidCursorError) {
      return invalidParameters([{ parameter: 'cursor', detail: error.message }], instance);
    }
    if (error instanceof InvalidOrderIdError) {
      return problemAnswer({
        type: PROBLEM_TYPES.invalidOrderId,
        title: 'Invalid order id',
        status: 400,
        detail: error.message,
        instance,
      });
    }
    if (error instanceof OrderNotFoundError) {
      return problemAnswer({
        type: PROBLEM_TYPES.orderNotFound,
        title: 'Order not found',
        status: 404,
        detail: `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}.`,
        instance,
        orderId: error.orderId,
      });
    }
    throw error;
  }
}

export function createHistoryHandler(deps: HistoryDeps) {
  const { logger } = deps;
  return middy(async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const started = performance.now();
    const line = {
      method: event.requestContext?.http?.method,
      path: event.rawPath,
      orderId: event.pathParameters?.orderId,
      // Names only: values (a cursor, a status) are the caller's, not the log's.
      parameters: [...new Set(new URLSearchParams(event.rawQueryString ?? '').keys())],
    };
    try {
      const result = await respond(event, deps);
      logger.info('history request', {
        ...line,
        statusCode: result.statusCode,
        durationMs: Math.round(performance.now() - started),
      });
      return result;
    } catch (error) {
      // Our failure, not the client's: log it whole, answer without internals.
      logger.error('history request failed', {
        ...line,
        statusCode: 500,
        durationMs: Math.round(performance.now() - started),
        error: error as Error,
      });
      return problemAnswer({
        type: PROBLEM_TYPES.internal,
        title: 'Internal error',
        status: 500,
        detail: 'The history could not be read; try again later.',
        instance: event.rawPath,
      });
    }
  }).use(injectLambdaContext(logger, HANDLER_LOG_CONTEXT));
}

/** Builds the deps from `TABLE_NAME` / `DYNAMODB_ENDPOINT`; invalid settings throw `ConfigError`. */
export function historyDepsFromEnv(
  env: Record<string, string | undefined> = process.env,
): HistoryDeps {
  return { ...historyFromEnvironment(env), logger: createLogger('history') };
}

let built: ReturnType<typeof createHistoryHandler> | undefined;

/** The Lambda entry point: deps are built on the first call and reused while warm. */
export const handler = async (event: APIGatewayProxyEventV2, context: Context): Promise<Result> => {
  built ??= createHistoryHandler(historyDepsFromEnv());
  return built(event, context);
};
