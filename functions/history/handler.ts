/**
 * `GET /orders/{orderId}` (API Gateway HTTP API, payload v2): the audit trail of one order.
 * 200 with the order's view; 400/404/405 as problem details for what the client sent; 500
 * only for our own failures. One structured log line per request.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { storeFromEnvironment } from '../core/environment';
import { InvalidOrderIdError } from '../core/errors';
import { OrderNotFoundError } from '../core/history/errors';
import { type OrderReader, parseOrderId, readOrderHistory } from '../core/history/view';
import { jsonAnswer, problemAnswer } from '../core/http-answers';
import { createLogger, HANDLER_LOG_CONTEXT } from '../core/observability';
import { PROBLEM_TYPES } from '../core/problem-types';

export interface HistoryDeps {
  store: OrderReader;
  logger: Logger;
}

type Result = APIGatewayProxyStructuredResultV2;

async function respond(event: APIGatewayProxyEventV2, store: OrderReader): Promise<Result> {
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
    const orderId = parseOrderId(event.pathParameters?.orderId);
    return jsonAnswer(200, await readOrderHistory(store, orderId));
  } catch (error) {
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

export function createHistoryHandler({ store, logger }: HistoryDeps) {
  return middy(async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const started = performance.now();
    const line = {
      method: event.requestContext?.http?.method,
      path: event.rawPath,
      orderId: event.pathParameters?.orderId,
    };
    try {
      const result = await respond(event, store);
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
  return { store: storeFromEnvironment(env), logger: createLogger('history') };
}

let built: ReturnType<typeof createHistoryHandler> | undefined;

/** The Lambda entry point: deps are built on the first call and reused while warm. */
export const handler = async (event: APIGatewayProxyEventV2, context: Context): Promise<Result> => {
  built ??= createHistoryHandler(historyDepsFromEnv());
  return built(event, context);
};
