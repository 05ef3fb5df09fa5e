/**
 * Poller: invoked on a schedule (EventBridge Scheduler in AWS, a loop locally), one schedule
 * per shard whose input names the shard (`{"shard": 2}`; absent means shard 0). Runs one poll
 * cycle of that shard and reports it as one log line and a set of metrics.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { once, trackerFromEnvironment } from '../core/environment';
import {
  createLogger,
  createMetrics,
  describeError,
  emitAuthMetrics,
  HANDLER_LOG_CONTEXT,
} from '../core/observability';
import { OneEntryAuthError, OneEntryNotConfiguredError } from '../core/oneentry/errors';
import type { SharedUserAuth } from '../core/oneentry/shared-auth';
import { type CycleSummary, emptyCycleSummary, type Tracker } from '../core/tracker';

export interface PollerDependencies {
  tracker: () => Promise<Tracker>;
  /** The shared OneEntry sign-in, kept alive every cycle. Default: none (tests with fixed tokens). */
  auth?: () => Promise<Pick<SharedUserAuth, 'keepAlive' | 'takeActivity'>>;
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
  metrics.addMetric('StaleObservations', MetricUnit.Count, summary.stale);
  metrics.addMetric('CheckErrors', MetricUnit.Count, summary.errors);
  metrics.addMetric('ChecksCancelled', MetricUnit.Count, summary.cancelled);
  metrics.addMetric('UpstreamCalls', MetricUnit.Count, summary.upstreamCalls);
  metrics.addMetric('UpstreamFailures', MetricUnit.Count, summary.upstreamFailures);
  metrics.addMetric('FastRounds', MetricUnit.Count, summary.fastRounds);
  metrics.addMetric('CycleDurationMs', MetricUnit.Milliseconds, summary.durationMs);
  // Its own metric, not an error: a deployment waiting for its secrets pages no one.
  metrics.addMetric('NotConfigured', MetricUnit.Count, summary.status === 'not-configured' ? 1 : 0);
  metrics.addMetric(
    'CyclesStoppedEarly',
    MetricUnit.Count,
    summary.status === 'time-budget' || summary.status === 'circuit-open' ? 1 : 0,
  );
}

/** What the schedule sends: the shard to poll. Anything else is refused before any work. */
const pollEventSchema = z.object({ shard: z.number().int().min(0).default(0) });

/** The invocation's input is not a poll event. */
export class InvalidPollEventError extends Error {
  override readonly name = 'InvalidPollEventError';
}

function shardOf(event: unknown): number {
  const parsed = pollEventSchema.safeParse(event ?? {});
  if (parsed.success) return parsed.data.shard;
  throw new InvalidPollEventError(
    `poll event must be {"shard": <integer from 0>}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`,
  );
}

export function createPollerHandler(deps: PollerDependencies) {
  return middy(async (event: unknown, context: Context): Promise<CycleSummary> => {
    const shard = shardOf(event);
    const tracker = await deps.tracker();
    const auth = await deps.auth?.();
    const blocked = auth && (await keepSignedIn(auth, deps.logger));
    const summary =
      blocked ??
      (await tracker.runCycle({
        owner: context.awsRequestId,
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
        shard,
      }));
    deps.logger.info('Poll cycle finished', { shard, ...summary });
    emitCycleMetrics(deps.metrics, summary);
    if (auth) emitAuthMetrics(deps.metrics, auth.takeActivity());
    return summary;
  })
    .use(injectLambdaContext(deps.logger, HANDLER_LOG_CONTEXT))
    .use(logMetrics(deps.metrics));
}

/**
 * Refreshes an ageing token even when nothing is due, so an idle deployment never wakes up
 * with a dead one. A cycle is skipped, with one log line, when there is no way to sign in.
 */
async function keepSignedIn(
  auth: Pick<SharedUserAuth, 'keepAlive'>,
  logger: ReturnType<typeof createLogger>,
): Promise<CycleSummary | undefined> {
  try {
    await auth.keepAlive();
    return undefined;
  } catch (error) {
    if (error instanceof OneEntryNotConfiguredError) {
      logger.warn('OneEntry not configured; nothing is checked', { reason: error.message });
      return emptyCycleSummary('not-configured');
    }
    if (error instanceof OneEntryAuthError) {
      logger.error('OneEntry authentication failing; nothing is checked', {
        reason: error.message,
      });
      return emptyCycleSummary('auth-failing');
    }
    // OneEntry unreachable: the cycle runs and its checks tell how bad it is.
    logger.warn('OneEntry token keep-alive failed', describeError(error));
    return undefined;
  }
}

const logger = createLogger('poller');
const parts = once(() => trackerFromEnvironment(logger));

export const handler = createPollerHandler({
  logger,
  metrics: createMetrics(),
  tracker: async () => (await parts()).tracker,
  auth: async () => (await parts()).auth,
});
