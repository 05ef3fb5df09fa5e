/**
 * `DELETE /orders/{orderId}[?reason=…]` (API Gateway HTTP API, payload v2, IAM-authorized in
 * AWS): stops tracking an order announced by mistake (see `core/untrack.ts`). 200 with the
 * order as `GET /orders/{orderId}` shows it, the first time and every time after (idempotent);
 * 404 for an unknown order, 409 for one that resolved or expired on its own, 400 for a bad id
 * or reason, all as problem details; 500 only for our own failures. One log line per request.
 *
 * Its own function, so that the history function stays read-only: this one may read and write
 * the table's items (never its indexes, never delete), and nothing else.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { invalidParameters, methodNotAllowed, orderProblem } from '../core/api-problems';
import { storeFromEnvironment } from '../core/environment';
import { InvalidParametersError, parseUntrackParameters } from '../core/history/listing-params';
import { parseOrderId } from '../core/history/view';
import { type HttpAnswer, jsonAnswer } from '../core/http-answers';
import { createLogger, HANDLER_LOG_CONTEXT } from '../core/observability';
import { answerLogged } from '../core/request-log';
import type { SessionStore } from '../core/store';
import { untrackOrder } from '../core/untrack';

export interface UntrackDeps {
  store: Pick<SessionStore, 'getOrder' | 'readOrder' | 'untrackOrder'>;
  logger: Logger;
  now?: () => Date;
}

type Event = APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithIAMAuthorizer;

/** The IAM caller API Gateway authorized (absent locally, where there is no authorizer). */
function callerOf(event: Event): string | undefined {
  const { authorizer } = event.requestContext as { authorizer?: { iam?: { userArn?: string } } };
  return authorizer?.iam?.userArn || undefined;
}

async function respond(event: Event, deps: UntrackDeps): Promise<HttpAnswer> {
  const instance = event.rawPath;
  const method = event.requestContext?.http?.method ?? 'DELETE';
  if (method !== 'DELETE') return methodNotAllowed(method, 'DELETE', instance);
  try {
    const orderId = parseOrderId(event.pathParameters?.orderId);
    const { reason } = parseUntrackParameters(new URLSearchParams(event.rawQueryString ?? ''));
    const result = await untrackOrder(
      deps.store,
      orderId,
      { reason, requestedBy: callerOf(event) },
      deps.now,
    );
    return jsonAnswer(200, result.order);
  } catch (error) {
    if (error instanceof InvalidParametersError) return invalidParameters(error.errors, instance);
    const problem = orderProblem(error, instance);
    if (problem) return problem;
    throw error;
  }
}

export function createUntrackHandler(deps: UntrackDeps) {
  const { logger } = deps;
  return middy(
    async (event: Event): Promise<APIGatewayProxyStructuredResultV2> =>
      answerLogged(
        logger,
        {
          message: 'untrack request',
          request: event,
          failure: 'The order could not be untracked; try again later.',
        },
        () => respond(event, deps),
      ),
  ).use(injectLambdaContext(logger, HANDLER_LOG_CONTEXT));
}

/** Builds the deps from `TABLE_NAME` / `DYNAMODB_ENDPOINT`; invalid settings throw `ConfigError`. */
export function untrackDepsFromEnv(
  env: Record<string, string | undefined> = process.env,
): UntrackDeps {
  return { store: storeFromEnvironment(env), logger: createLogger('untrack') };
}

let built: ReturnType<typeof createUntrackHandler> | undefined;

/** The Lambda entry point: deps are built on the first call and reused while warm. */
export const handler = async (
  event: Event,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> => {
  built ??= createUntrackHandler(untrackDepsFromEnv());
  return built(event, context);
};
