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
import { invalidParameters, methodNotAllowed, orderProblem } from '../core/api-problems';
import { historyFromEnvironment } from '../core/environment';
import type { AuditQueries } from '../core/history/audit';
import { InvalidCursorError } from '../core/history/cursor';
import {
  InvalidParametersError,
  parseOrdersParameters,
  parseTransitionsParameters,
} from '../core/history/listing-params';
import { type OrderReader, parseOrderId, readOrderHistory } from '../core/history/view';
import { type HttpAnswer, jsonAnswer } from '../core/http-answers';
import { createLogger, HANDLER_LOG_CONTEXT } from '../core/observability';
import { answerLogged } from '../core/request-log';
import { ROUTES } from '../core/routes';

export interface HistoryDeps {
  store: OrderReader;
  audit: Pick<AuditQueries, 'orders' | 'stuck' | 'transitions'>;
  logger: Logger;
  now?: () => Date;
}

type Result = APIGatewayProxyStructuredResultV2;

async function answer(event: APIGatewayProxyEventV2, deps: HistoryDeps): Promise<HttpAnswer> {
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

async function respond(event: APIGatewayProxyEventV2, deps: HistoryDeps): Promise<HttpAnswer> {
  const instance = event.rawPath;
  const method = event.requestContext?.http?.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(method, 'GET, HEAD', instance);
  try {
    return await answer(event, deps);
  } catch (error) {
    if (error instanceof InvalidParametersError) return invalidParameters(error.errors, instance);
    if (error instanceof InvalidCursorError) {
      return invalidParameters([{ parameter: 'cursor', detail: error.message }], instance);
    }
    const problem = orderProblem(error, instance);
    if (problem) return problem;
    throw error;
  }
}

export function createHistoryHandler(deps: HistoryDeps) {
  const { logger } = deps;
  return middy(
    async (event: APIGatewayProxyEventV2): Promise<Result> =>
      answerLogged(
        logger,
        {
          message: 'history request',
          request: event,
          failure: 'The history could not be read; try again later.',
        },
        () => respond(event, deps),
      ),
  ).use(injectLambdaContext(logger, HANDLER_LOG_CONTEXT));
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
