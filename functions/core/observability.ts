/**
 * Logger and metrics, Powertools-configured once. Settings come from the standard Powertools
 * variables (`POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_LOG_LEVEL`, `POWERTOOLS_METRICS_NAMESPACE`,
 * `POWERTOOLS_METRICS_DISABLED`), with the defaults below.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AuthActivity } from './oneentry/shared-auth';

export const SERVICE_NAME = 'payment-session-watch';
export const METRICS_NAMESPACE = 'PaymentSessionWatch';

export function createLogger(component?: string): Logger {
  return new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
    ...(component ? { persistentKeys: { component } } : {}),
  });
}

/**
 * `injectLambdaContext` options of every handler. `logEvent` is off whatever
 * `POWERTOOLS_LOGGER_LOG_EVENT` says: events carry webhook signatures, SigV4 headers and whole
 * history items, none of which belongs in a log. No keys carry over between invocations.
 */
export const HANDLER_LOG_CONTEXT = { logEvent: false, resetKeys: true } as const;

export function createMetrics(): Metrics {
  return new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
  });
}

/** An error as a log field: its class and message, never the object (which may hold a request). */
export function describeError(error: unknown): { errorType: string; error: string } {
  return error instanceof Error
    ? { errorType: error.name, error: error.message }
    : { errorType: typeof error, error: String(error) };
}

/** `AuthRefreshes`, `AuthSignIns`, `AuthFailures`: what the shared sign-in did in this invocation. */
export function emitAuthMetrics(metrics: Metrics, activity: AuthActivity): void {
  metrics.addMetric('AuthRefreshes', MetricUnit.Count, activity.refreshes);
  metrics.addMetric('AuthSignIns', MetricUnit.Count, activity.signIns);
  metrics.addMetric('AuthFailures', MetricUnit.Count, activity.failures);
}
