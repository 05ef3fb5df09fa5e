/**
 * Poller: invoked on a schedule (EventBridge Scheduler in AWS, a loop locally). Runs one poll
 * cycle and reports it as one log line and a set of metrics.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { once, trackerFromEnvironment } from '../core/environment';
import { createLogger, createMetrics } from '../core/observability';
import type { CycleSummary, Tracker } from '../core/tracker';

export interface PollerDependencies {
  tracker: () => Promise<Tracker>;
  logger: ReturnType<typeof createLogger>;
  metrics: Metrics;
}

export function emitCycleMetrics(metrics: Metrics, summary: CycleSummary): void {
  metrics.addMetric('OrdersTracked', MetricUnit.Count, summary.tracked);
  metrics.addMetric('OrdersChecked', MetricUnit.Count, summary.checked);
  metrics.addMetric('OrdersUnchanged', MetricUnit.Count, summary.unchanged);
  metrics.addMetric('OrdersChanged', MetricUnit.Count, summary.changed);
  metrics.addMetric('Transitions', MetricUnit.Count, summary.transitions);
  metrics.addMetric('SessionsResolved', MetricUnit.Count, summary.resolved);
  metrics.addMetric('OrdersExpired', MetricUnit.Count, summary.expired);
  metrics.addMetric('CheckErrors', MetricUnit.Count, summary.errors);
  metrics.addMetric('UpstreamCalls', MetricUnit.Count, summary.upstreamCalls);
  metrics.addMetric('UpstreamFailures', MetricUnit.Count, summary.upstreamFailures);
  metrics.addMetric('CycleDurationMs', MetricUnit.Milliseconds, summary.durationMs);
  metrics.addMetric(
    'CyclesStoppedEarly',
    MetricUnit.Count,
    summary.status === 'time-budget' || summary.status === 'circuit-open' ? 1 : 0,
  );
}

export function createPollerHandler(deps: PollerDependencies) {
  return middy(async (_event: unknown, context: Context): Promise<CycleSummary> => {
    const tracker = await deps.tracker();
    const summary = await tracker.runCycle({
      owner: context.awsRequestId,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    });
    deps.logger.info('Poll cycle finished', { ...summary });
    emitCycleMetrics(deps.metrics, summary);
    return summary;
  })
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}

const logger = createLogger('poller');

export const handler = createPollerHandler({
  logger,
  metrics: createMetrics(),
  tracker: once(async () => (await trackerFromEnvironment(logger)).tracker),
});
