/**
 * The construct's properties, each with its documented default, and their validation: one
 * place to read what can be configured and what is refused.
 */
import { Duration, type RemovalPolicy, Token } from 'aws-cdk-lib';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { MAX_ONEENTRY_RPS } from '../../functions/core/config';
import { MAX_POLL_SHARDS } from '../../functions/core/due-layout';
import { functionTimeout } from './function-timeout';

/** Powertools log levels. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Properties of {@link PaymentSessionWatch}. */
export interface PaymentSessionWatchProps {
  /**
   * The OneEntry project URL, e.g. `https://my-project.oneentry.cloud` (`ONEENTRY_URL`).
   * Required: there is no sensible default.
   */
  readonly oneEntryUrl: string;

  /**
   * Marker of the OneEntry auth provider used to refresh tokens (`ONEENTRY_AUTH_PROVIDER`).
   * @default 'email'
   */
  readonly oneEntryAuthProvider?: string;

  /**
   * Session statuses that mean "not resolved yet" (`PENDING_STATUSES`).
   * @default ['waiting']
   */
  readonly pendingStatuses?: string[];

  /**
   * Hours after which an unresolved order stops being tracked (`MAX_TRACKING_HOURS`).
   * @default 24
   */
  readonly maxTrackingHours?: number;

  /**
   * Upstream checks the poller keeps in flight at once (`POLL_CONCURRENCY`), 1 to 256.
   * @default 16
   */
  readonly pollConcurrency?: number;

  /**
   * How often EventBridge Scheduler starts a poll cycle: whole minutes, at least one.
   * @default Duration.minutes(1)
   */
  readonly pollRate?: Duration;

  /**
   * Poller shards (`POLL_SHARDS`), 1 to 64: the due work is split by order id, each shard
   * has its own lease and its own schedule. Changing it on a running deployment loses
   * nothing: orders keep the shard they were given when tracked.
   * @default 1
   */
  readonly pollShards?: number;

  /**
   * The fast lane (`FAST_POLL_SECONDS`): after its pass, each poll cycle checks the orders of
   * the youngest band again every this many seconds until the next cycle is due, so a young
   * payment's change is seen in seconds instead of up to `pollRate`. The poller then runs
   * about `pollRate` per invocation (Lambda seconds: see the README's cost model). 0: off.
   * @default 0
   */
  readonly fastPollSeconds?: number;

  /**
   * Stop starting checks when less of the poller's time than this is left
   * (`POLL_TIME_MARGIN_MS`).
   * @default Duration.seconds(10)
   */
  readonly pollTimeMargin?: Duration;

  /**
   * Calls a poll cycle makes before it may judge OneEntry down (`CIRCUIT_MIN_CALLS`).
   * @default 10
   */
  readonly circuitMinCalls?: number;

  /**
   * Failed share of calls over which a poll cycle stops early (`CIRCUIT_FAILURE_RATIO`), 0 to 1.
   * @default 0.5
   */
  readonly circuitFailureRatio?: number;

  /**
   * Timeout of one OneEntry request attempt (`ONEENTRY_TIMEOUT_MS`).
   * @default Duration.seconds(5)
   */
  readonly oneEntryTimeout?: Duration;

  /**
   * Attempts per OneEntry request for retryable failures, the first included
   * (`ONEENTRY_MAX_ATTEMPTS`), 1 to 10.
   * @default 4
   */
  readonly oneEntryMaxAttempts?: number;

  /**
   * Requests per second the whole deployment sends to OneEntry (`ONEENTRY_MAX_RPS`): every
   * poller shard, the webhook's immediate checks and discovery share it through the table,
   * and a 429 makes all of them wait for its `Retry-After`. 0 turns the cap off.
   * @default 20
   */
  readonly oneEntryMaxRps?: number;

  /**
   * PutEvents attempts per event within one publisher invocation (`PUBLISH_MAX_ATTEMPTS`).
   * @default 4
   */
  readonly publishMaxAttempts?: number;

  /**
   * Stream records per publisher invocation.
   * @default 100
   */
  readonly publisherBatchSize?: number;

  /**
   * Retries of a failed stream batch before it goes to the on-failure queue.
   * @default 10
   */
  readonly publisherRetryAttempts?: number;

  /**
   * The poller's memory, in MiB (CPU scales with it).
   * @default 512
   */
  readonly pollerMemorySize?: number;

  /**
   * The poller's timeout: the longest a poll cycle runs.
   * @default Duration.minutes(2)
   */
  readonly pollerTimeout?: Duration;

  /**
   * What happens to the table and the log groups when they leave the stack.
   * @default RemovalPolicy.RETAIN (they are the audit trail)
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * An existing secret with the OneEntry credentials (JSON `{"appToken","login"?,"password"?}`).
   * @default - a new secret holding a placeholder
   */
  readonly oneEntrySecret?: ISecret;

  /**
   * An existing secret with the shop's Standard Webhooks secrets, comma-separated.
   * @default - a new secret with a generated value
   */
  readonly webhookSecret?: ISecret;

  /**
   * The CloudWatch namespace of the functions' custom metrics. Two instances in one account
   * need different ones, or they read each other's alarms.
   * @default `PaymentSessionWatch/<stack name>/<construct id>`
   */
  readonly metricNamespace?: string;

  /**
   * The `service` of the functions' logs and metrics (Powertools' `POWERTOOLS_SERVICE_NAME`).
   * @default 'payment-session-watch'
   */
  readonly serviceName?: string;

  /**
   * How often the discovery sweep reads OneEntry's sessions list for orders no webhook
   * announced: whole minutes; `Duration.minutes(0)` turns discovery off.
   * @default Duration.minutes(5)
   */
  readonly discoveryRate?: Duration;

  /**
   * On its first sweep, discovery adopts the sessions created in the last N hours
   * (`DISCOVERY_BACKFILL_HOURS`); older ones are the baseline.
   * @default 0
   */
  readonly discoveryBackfillHours?: number;

  /**
   * The bus the publisher puts transition events on.
   * @default - a new custom event bus
   */
  readonly eventBus?: IEventBus;

  /**
   * The `source` of every published event (`EVENT_SOURCE`); the archive keeps exactly these.
   * @default 'oneentry.payments'
   */
  readonly eventSource?: string;

  /**
   * How long the archive keeps published events for replay.
   * @default Duration.days(365)
   */
  readonly archiveRetention?: Duration;

  /**
   * Log level of every function (`POWERTOOLS_LOG_LEVEL`).
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;

  /**
   * How long function logs and API access logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;

  /**
   * Customer-managed KMS key for the table and its stream.
   * @default - the AWS-managed key `aws/dynamodb`
   */
  readonly tableEncryptionKey?: IKey;

  /**
   * An existing table to use instead of a new one, such as the table of a deployment made
   * before the watch used `TableV2` (README: "Upgrading from an AWS::DynamoDB::Table"). It must
   * have the layout of `functions/core/table.ts`: its keys, its three indexes, a `NEW_IMAGE`
   * stream and TTL on `expiresAt`. Pass it with its stream, and its key if it has a
   * customer-managed one: `TableV2.fromTableAttributes(scope, id, { tableName, tableStreamArn,
   * encryptionKey })`. `tableEncryptionKey` and `removalPolicy` do not apply to it.
   * @default - a new table
   */
  readonly table?: ITableV2;

  /**
   * Request-rate limit of the HTTP API stage. The webhook route is public, so this caps what
   * an unauthenticated caller can make us spend.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly apiThrottle?: ThrottleSettings;

  /**
   * Topic that receives ALARM and OK notifications of every alarm.
   * @default - alarms have no actions
   */
  readonly alarmTopic?: ITopic;

  /**
   * Share of failed OneEntry calls above which the upstream-failure alarm fires.
   * @default 0.2
   */
  readonly upstreamFailureRateThreshold?: number;

  /**
   * Publisher lag behind the table stream above which its alarm fires.
   * @default Duration.minutes(5)
   */
  readonly iteratorAgeThreshold?: Duration;
}

/** Options of the watch's rule helpers (`onSessionResolved`, `onStatusChanged`). */
export interface OnPaymentSessionEventOptions extends events.OnEventOptions {
  /**
   * Only events whose `detail.status` is one of these.
   * @default - every status
   */
  readonly statuses?: string[];
}

/** The functions of the watch. */
export interface WatchFunctions {
  /** Runs a poll cycle on a schedule. */
  readonly poller: IFunction;
  /** Receives the shop's signed webhooks. */
  readonly webhook: IFunction;
  /** Serves an order's history. */
  readonly history: IFunction;
  /** Stops tracking an order by hand (`DELETE /orders/{orderId}`). */
  readonly untrack: IFunction;
  /** Turns new history items into events. */
  readonly publisher: IFunction;
  /** Sweeps OneEntry's sessions list for orders no webhook announced; absent when off. */
  readonly discovery?: IFunction;
}

/** A prop of the watch has a value it cannot be built with; the message names the prop. */
export class InvalidWatchPropsError extends Error {
  override readonly name = 'InvalidWatchPropsError';
}

function validateTable({ table, tableEncryptionKey }: PaymentSessionWatchProps): void {
  if (!table) return;
  // The publisher reads the stream: a table passed without it would never publish an event.
  if (!table.tableStreamArn)
    throw new InvalidWatchPropsError('table must be passed with its tableStreamArn');
  if (tableEncryptionKey) {
    throw new InvalidWatchPropsError(
      "tableEncryptionKey applies to a new table only; pass table's key with it",
    );
  }
}

export function validateProps(props: PaymentSessionWatchProps): void {
  if (!Token.isUnresolved(props.oneEntryUrl)) {
    let url: URL;
    try {
      url = new URL(props.oneEntryUrl);
    } catch {
      throw new InvalidWatchPropsError(`oneEntryUrl must be a URL, got '${props.oneEntryUrl}'`);
    }
    if (url.protocol !== 'https:')
      throw new InvalidWatchPropsError('oneEntryUrl must be an https:// URL');
  }
  validateTable(props);
  const rate = props.pollRate;
  if (rate && (rate.toSeconds() < 60 || rate.toSeconds() % 60 !== 0)) {
    throw new InvalidWatchPropsError(
      `pollRate must be whole minutes, at least one; got ${rate.toHumanString()}`,
    );
  }
  const discoveryRate = props.discoveryRate;
  if (discoveryRate && discoveryRate.toSeconds() % 60 !== 0) {
    throw new InvalidWatchPropsError(
      `discoveryRate must be whole minutes (0 turns discovery off); got ${discoveryRate.toHumanString()}`,
    );
  }
  const ranges: [string, number | undefined, number, number][] = [
    ['circuitMinCalls', props.circuitMinCalls, 1, 10_000],
    ['oneEntryMaxAttempts', props.oneEntryMaxAttempts, 1, 10],
    ['publishMaxAttempts', props.publishMaxAttempts, 1, 10],
    ['publisherBatchSize', props.publisherBatchSize, 1, 10_000],
    ['publisherRetryAttempts', props.publisherRetryAttempts, 0, 10_000],
    ['pollerMemorySize', props.pollerMemorySize, 128, 10_240],
    ['pollShards', props.pollShards, 1, MAX_POLL_SHARDS],
  ];
  for (const [name, value, min, max] of ranges) {
    if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
      throw new InvalidWatchPropsError(
        `${name} must be an integer from ${min} to ${max}, got ${value}`,
      );
    }
  }
  const maxRps = props.oneEntryMaxRps;
  if (maxRps !== undefined && !(maxRps >= 0 && maxRps <= MAX_ONEENTRY_RPS)) {
    throw new InvalidWatchPropsError(
      `oneEntryMaxRps must be from 0 (no cap) to ${MAX_ONEENTRY_RPS}, got ${maxRps}`,
    );
  }
  const failureRatio = props.circuitFailureRatio;
  if (failureRatio !== undefined && !(failureRatio > 0 && failureRatio <= 1)) {
    throw new InvalidWatchPropsError(
      `circuitFailureRatio must be above 0 and at most 1, got ${failureRatio}`,
    );
  }
  const pollerTimeout = (props.pollerTimeout ?? functionTimeout('poller')).toSeconds();
  const margin = (props.pollTimeMargin ?? Duration.seconds(10)).toSeconds();
  if (pollerTimeout > 900 || margin >= pollerTimeout) {
    throw new InvalidWatchPropsError(
      'pollerTimeout must be at most 15 minutes and longer than pollTimeMargin',
    );
  }
  const fast = props.fastPollSeconds ?? 0;
  const rateSeconds = (props.pollRate ?? Duration.minutes(1)).toSeconds();
  if (!(Number.isInteger(fast) && fast >= 0 && fast < rateSeconds)) {
    throw new InvalidWatchPropsError(
      `fastPollSeconds must be a whole number of seconds from 0 (off) to under pollRate, got ${fast}`,
    );
  }
  if (fast > 0 && pollerTimeout < rateSeconds + margin) {
    throw new InvalidWatchPropsError(
      'with fastPollSeconds, pollerTimeout must be at least pollRate + pollTimeMargin: the fast lane runs until the next cycle',
    );
  }
  const backfill = props.discoveryBackfillHours;
  if (backfill !== undefined && !(backfill >= 0)) {
    throw new InvalidWatchPropsError(`discoveryBackfillHours must be 0 or more, got ${backfill}`);
  }
  const concurrency = props.pollConcurrency;
  if (
    concurrency !== undefined &&
    !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 256)
  ) {
    throw new InvalidWatchPropsError(
      `pollConcurrency must be an integer from 1 to 256, got ${concurrency}`,
    );
  }
  const hours = props.maxTrackingHours;
  if (hours !== undefined && !(hours > 0)) {
    throw new InvalidWatchPropsError(`maxTrackingHours must be positive, got ${hours}`);
  }
  const statuses = props.pendingStatuses;
  if (
    statuses &&
    (statuses.length === 0 || statuses.some((s) => s.trim() === '' || s.includes(',')))
  ) {
    throw new InvalidWatchPropsError('pendingStatuses must be non-empty statuses without commas');
  }
  const ratio = props.upstreamFailureRateThreshold;
  if (ratio !== undefined && !(ratio > 0 && ratio < 1)) {
    throw new InvalidWatchPropsError(
      `upstreamFailureRateThreshold must be between 0 and 1, got ${ratio}`,
    );
  }
}
