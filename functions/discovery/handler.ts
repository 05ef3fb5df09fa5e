/**
 * Discovery: invoked on its own schedule (EventBridge Scheduler in AWS, a loop locally). Runs
 * one sweep of OneEntry's sessions list and reports it as one log line and a set of metrics.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { DiscoverySummary, DiscoverySweep } from '../core/discovery/sweep';
import { discoveryFromEnvironment, once } from '../core/environment';
import { createLogger, createMetrics, emitAuthMetrics } from '../core/observability';
import type { SharedUserAuth } from '../core/oneentry/shared-auth';

export interface DiscoveryDependencies {
  sweep: () => Promise<DiscoverySweep>;
  auth?: () => Promise<Pick<SharedUserAuth, 'takeActivity'>>;
  logger: ReturnType<typeof createLogger>;
  metrics: Metrics;
}

export function emitDiscoveryMetrics(metrics: Metrics, summary: DiscoverySummary): void {
  metrics.addMetric('SessionsDiscovered', MetricUnit.Count, summary.discovered);
  metrics.addMetric('DiscoveryPages', MetricUnit.Count, summary.pages);
  metrics.addMetric('DiscoveryTruncated', MetricUnit.Count, summary.truncated ? 1 : 0);
  metrics.addMetric('DiscoveryInvalidItems', MetricUnit.Count, summary.invalidItems);
}

export function createDiscoveryHandler(deps: DiscoveryDependencies) {
  return middy(async (_event: unknown, context: Context): Promise<DiscoverySummary> => {
    const sweep = await deps.sweep();
    const summary = await sweep.run({
      owner: context.awsRequestId,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    });
    if (summary.status === 'failed' || summary.status === 'time-budget') {
      // The next sweep resumes from the checkpoint; OneEntry's health has its own alarm.
      deps.logger.warn('Discovery sweep stopped early', { ...summary });
    } else {
      deps.logger.info('Discovery sweep finished', { ...summary });
    }
    emitDiscoveryMetrics(deps.metrics, summary);
    if (deps.auth) emitAuthMetrics(deps.metrics, (await deps.auth()).takeActivity());
    return summary;
  })
    .use(injectLambdaContext(deps.logger, { logEvent: false }))
    .use(logMetrics(deps.metrics));
}

const logger = createLogger('discovery');
const parts = once(() => discoveryFromEnvironment(logger));

export const handler = createDiscoveryHandler({
  logger,
  metrics: createMetrics(),
  sweep: async () => (await parts()).sweep,
  auth: async () => (await parts()).auth,
});
