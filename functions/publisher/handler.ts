/**
 * The publisher function: the table's stream (NEW_IMAGE) in, one EventBridge event per history
 * entry out. Thin: the work is `publishStreamRecords` in `core/events`, which the local runtime
 * calls too. The event source mapping must enable `ReportBatchItemFailures` and carry an SQS
 * on-failure destination: records reported here are retried by Lambda and, once its retries
 * are spent, land in that queue, where a person can see them.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { readConfig } from '../core/config';
import { createEventBridgeClient } from '../core/events/client';
import { publisherConfigSchema } from '../core/events/config';
import type { FailureDestination } from '../core/events/dead-letters';
import { FileFailureDestination, SqsFailureDestination } from '../core/events/failure-destinations';
import { EventPublisher, publishStreamRecords } from '../core/events/publisher';
import { createLogger, createMetrics, HANDLER_LOG_CONTEXT } from '../core/observability';
import { fromLambdaRecord } from './stream-record';

export interface PublisherDeps {
  publisher: EventPublisher;
  /** Where records that can never be published go at once. Default: none (Lambda retries them). */
  failureDestination?: FailureDestination;
  logger: Logger;
  /** `EventsPublished` and `EventsFailed`, per invocation. */
  metrics: Metrics;
}

export function createPublisherHandler({
  publisher,
  failureDestination,
  logger,
  metrics,
}: PublisherDeps) {
  return middy(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const result = await publishStreamRecords(
      event.Records.map(fromLambdaRecord),
      publisher,
      failureDestination,
    );
    metrics.addMetric('EventsPublished', MetricUnit.Count, result.published);
    metrics.addMetric('EventsFailed', MetricUnit.Count, result.failed + result.deadLettered);
    const summary = {
      records: event.Records.length,
      published: result.published,
      skipped: result.skipped,
      deadLettered: result.deadLettered,
      failed: result.failed,
    };
    if (result.failed > 0) {
      logger.error(
        'stream records reported as failed: Lambda retries them, then sends them to the on-failure destination',
        {
          ...summary,
          sequenceNumbers: result.batchItemFailures.map((failure) => failure.itemIdentifier),
        },
      );
    } else if (result.deadLettered > 0) {
      logger.error(
        'records that can never be published went to the failure destination with their reason: fix them, then npm run republish -- --from-dlq',
        summary,
      );
    } else {
      logger.info('stream batch published', summary);
    }
    // Exactly the partial batch response: nothing else, so Lambda reads it as intended.
    return { batchItemFailures: result.batchItemFailures };
  })
    .use(injectLambdaContext(logger, HANDLER_LOG_CONTEXT))
    .use(logMetrics(metrics));
}

/** Builds the deps from the environment; a missing or invalid setting throws `ConfigError`. */
export function publisherDepsFromEnv(
  env: Record<string, string | undefined> = process.env,
): PublisherDeps {
  const config = readConfig(publisherConfigSchema, env);
  const logger = createLogger('publisher');
  const publisher = new EventPublisher({
    client: createEventBridgeClient({ endpoint: config.EVENTBRIDGE_ENDPOINT }),
    source: config.EVENT_SOURCE,
    eventBusName: config.EVENT_BUS_NAME,
    maxAttempts: config.PUBLISH_MAX_ATTEMPTS,
    logger,
  });
  const failureDestination = config.PUBLISHER_FAILURE_QUEUE_URL
    ? new SqsFailureDestination(new SQSClient({}), config.PUBLISHER_FAILURE_QUEUE_URL)
    : config.PUBLISHER_FAILURE_FILE
      ? new FileFailureDestination(config.PUBLISHER_FAILURE_FILE)
      : undefined;
  return { publisher, failureDestination, logger, metrics: createMetrics() };
}

let built: ReturnType<typeof createPublisherHandler> | undefined;

/** The Lambda entry point: deps are built on the first call and reused while warm. */
export const handler = async (
  event: DynamoDBStreamEvent,
  context: Context,
): Promise<DynamoDBBatchResponse> => {
  built ??= createPublisherHandler(publisherDepsFromEnv());
  return built(event, context);
};
