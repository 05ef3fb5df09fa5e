/**
 * Webhook: `POST /webhooks/payment-sessions` behind API Gateway (HTTP API, payload v2). A
 * signed delivery says "watch this order" or "look at it now"; see `core/webhook/intake.ts`
 * for the checks and their order. This file only adapts the event and writes the log line.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { once } from '../core/environment';
import {
  createLogger,
  createMetrics,
  emitAuthMetrics,
  HANDLER_LOG_CONTEXT,
} from '../core/observability';
import type { SharedUserAuth } from '../core/oneentry/shared-auth';
import { webhookDependenciesFromEnvironment } from '../core/webhook/environment';
import {
  type IntakeDependencies,
  type IntakeResult,
  WebhookIntake,
  type WebhookRequest,
} from '../core/webhook/intake';

export interface WebhookHandlerDependencies extends IntakeDependencies {
  logger: Logger;
}

/** For tests and the local runtime: a handler over the dependencies given. */
export function createWebhookHandler(deps: WebhookHandlerDependencies) {
  const { logger, ...intakeDeps } = deps;
  const intake = new WebhookIntake({ ...intakeDeps, logger });
  return buildHandler(logger, async () => intake);
}

export function toWebhookRequest(event: APIGatewayProxyEventV2, context?: Context): WebhookRequest {
  return {
    method: event.requestContext?.http?.method ?? '',
    headers: event.headers,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    remainingTimeMs: context?.getRemainingTimeInMillis?.(),
  };
}

/** The shared sign-in's activity, published only when there was some: most webhooks have none. */
interface AuthReporting {
  auth: () => Promise<Pick<SharedUserAuth, 'takeActivity'>>;
  metrics: Metrics;
}

function buildHandler(
  logger: Logger,
  intake: () => Promise<WebhookIntake>,
  reporting?: AuthReporting,
) {
  return middy(
    async (
      event: APIGatewayProxyEventV2,
      context: Context,
    ): Promise<APIGatewayProxyStructuredResultV2> => {
      const startedAt = performance.now();
      // A configuration error is thrown here, at the first invocation, and never answered.
      const result = await (await intake()).handle(toWebhookRequest(event, context));
      writeLogLine(logger, result, Math.round(performance.now() - startedAt));
      if (reporting) {
        const activity = (await reporting.auth()).takeActivity();
        if (activity.refreshes + activity.signIns + activity.failures > 0) {
          emitAuthMetrics(reporting.metrics, activity);
          reporting.metrics.publishStoredMetrics();
        }
      }
      return result.answer;
    },
  ).use(injectLambdaContext(logger, HANDLER_LOG_CONTEXT));
}

function writeLogLine(logger: Logger, { log }: IntakeResult, latencyMs: number): void {
  const fields = { ...log, latencyMs };
  if (log.statusCode >= 500) logger.error('Webhook failed', fields);
  else if (log.statusCode >= 400) logger.warn('Webhook refused', fields);
  else logger.info('Webhook handled', fields);
}

const logger = createLogger('webhook');
const dependencies = once(() => webhookDependenciesFromEnvironment(logger));
const intake = once(async () => new WebhookIntake(await dependencies()));

export const handler = buildHandler(logger, intake, {
  auth: async () => (await dependencies()).auth,
  metrics: createMetrics(),
});
