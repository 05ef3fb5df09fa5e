import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { MathExpression, Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import { type Archive, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import type { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { Grant, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  FilterCriteria,
  FilterRule,
  type IFunction,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PLACEHOLDER_APP_TOKEN } from '../../functions/core/credentials';
import {
  DEFAULT_EVENT_SOURCE,
  DETAIL_TYPE,
  type PaymentSessionDetailType,
  paymentSessionEventPattern,
} from '../../functions/core/events/contract';
import { EVENT_RECORD } from '../../functions/core/events/stream-record';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../functions/core/observability';
import { ENTITY_ATTRIBUTE } from '../../functions/core/table';
import { PUBLISHER_RETRY_ATTEMPTS } from './function-defaults';
import { functionTimeout } from './function-timeout';
import { HttpsSubscriber, type HttpsSubscriberOptions, toRulePattern } from './https-subscriber';
import { WatchMonitoring } from './monitoring';
import {
  InvalidWatchPropsError,
  type OnPaymentSessionEventOptions,
  type PaymentSessionWatchProps,
  validateProps,
  type WatchFunctions,
} from './props';
import {
  acknowledgeOnPolicy,
  deadLetterQueue,
  nagResourceName,
  unrotatedSecret,
} from './resources';
import { SessionTable } from './session-table';
import { WatchApi } from './watch-api';
import { createWatchEvents } from './watch-events';
import { WatchFunction } from './watch-function';
import { createWatchSchedules } from './watch-schedules';

export type {
  LogLevel,
  OnPaymentSessionEventOptions,
  PaymentSessionWatchProps,
  WatchFunctions,
} from './props';
export { InvalidWatchPropsError } from './props';
export { HISTORY_PATH, LISTING_PATHS, WEBHOOK_PATH } from './watch-api';

/** What the untrack function may do on the table's items (see `functions/untrack/handler.ts`). */
const UNTRACK_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
  'dynamodb:PutItem',
];

/** Stream records older than this go to the DLQ; the stream itself keeps them only 24 hours. */
const PUBLISHER_MAX_RECORD_AGE = Duration.hours(6);

/**
 * OneEntry payment-session watch: a scheduled poller and a signed webhook record every
 * session status transition in DynamoDB; a stream publisher turns the recorded transitions
 * into EventBridge events; an IAM-authorized API serves an order's history.
 */
export class PaymentSessionWatch extends Construct {
  /** State and history of the watched orders; its stream is the event outbox. */
  readonly table: ITableV2;
  /** The bus events are published to. */
  readonly eventBus: IEventBus;
  /** Archive of the published events. */
  readonly archive: Archive;
  /** The `source` of every event the watch publishes. */
  readonly eventSource: string;
  /** Where the functions' custom metrics go; unique per instance. */
  readonly metricNamespace: string;
  /** The `service` of the functions' logs and metrics. */
  readonly serviceName: string;
  /** Holds the event schema, for code bindings. */
  readonly schemaRegistry: CfnRegistry;
  /** The event contract as JSON Schema draft 4, generated from the same zod definitions. */
  readonly eventSchema: CfnSchema;
  /** OneEntry credentials (JSON); the tokens in use live in the table. */
  readonly oneEntrySecret: ISecret;
  /** Standard Webhooks secrets of the shop (comma-separated `whsec_...`). */
  readonly webhookSecret: ISecret;
  /** The functions. */
  readonly functions: WatchFunctions;
  /** The HTTP API (webhook and history). */
  readonly api: WatchApi;
  /** Starts the poller's shard 0 (the only shard by default). */
  readonly schedule: Schedule;
  /** One schedule per poller shard, in shard order (`schedule` is the first). */
  readonly pollSchedules: Schedule[];
  /** Poll invocations Scheduler could not deliver. */
  readonly scheduleDeadLetterQueue: Queue;
  /** Starts the discovery sweep; undefined when discovery is off. */
  readonly discoverySchedule?: Schedule;
  /** Discovery invocations Scheduler could not deliver; undefined when discovery is off. */
  readonly discoveryDeadLetterQueue?: Queue;
  /** Stream batches the publisher gave up on. */
  readonly publisherDeadLetterQueue: Queue;
  /** Alarms and dashboard. */
  readonly monitoring: WatchMonitoring;

  constructor(scope: Construct, id: string, props: PaymentSessionWatchProps) {
    super(scope, id);
    validateProps(props);

    const pollRate = props.pollRate ?? Duration.minutes(1);
    this.metricNamespace =
      props.metricNamespace ?? `${METRICS_NAMESPACE}/${Stack.of(this).stackName}/${id}`;
    this.serviceName = props.serviceName ?? SERVICE_NAME;
    const eventSource = props.eventSource ?? DEFAULT_EVENT_SOURCE;
    this.eventSource = eventSource;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table =
      props.table ??
      new SessionTable(this, 'Table', { encryptionKey: props.tableEncryptionKey, removalPolicy });

    // No secret value in the template: CloudFormation generates a placeholder, which the
    // functions recognise and report as "not configured" until an operator fills it in.
    this.oneEntrySecret =
      props.oneEntrySecret ??
      unrotatedSecret(this, 'OneEntrySecret', {
        description:
          'OneEntry credentials of payment-session-watch: JSON {"appToken","login"?,"password"?} (a service user), or seed tokens {"accessToken"?,"refreshToken"?}. The tokens in use live in the table.',
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ appToken: PLACEHOLDER_APP_TOKEN }),
          generateStringKey: 'placeholder',
        },
      });
    this.webhookSecret =
      props.webhookSecret ??
      unrotatedSecret(this, 'WebhookSecret', {
        description:
          'Standard Webhooks secrets of the shop backend, comma-separated (several while rotating).',
        generateSecretString: { excludePunctuation: true, passwordLength: 32 },
      });

    const events = createWatchEvents(this, {
      eventBus: props.eventBus,
      eventSource,
      archiveRetention: props.archiveRetention,
    });
    this.eventBus = events.eventBus;
    this.archive = events.archive;
    this.schemaRegistry = events.schemaRegistry;
    this.eventSchema = events.eventSchema;

    const common = {
      TABLE_NAME: this.table.tableName,
      // Every function that tracks or lists orders places them by the same layout.
      POLL_SHARDS: String(props.pollShards ?? 1),
      POWERTOOLS_SERVICE_NAME: this.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: this.metricNamespace,
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
    };
    const oneEntry = {
      ONEENTRY_URL: props.oneEntryUrl,
      ONEENTRY_SECRET_ARN: this.oneEntrySecret.secretArn,
      ONEENTRY_AUTH_PROVIDER: props.oneEntryAuthProvider ?? 'email',
      ONEENTRY_TIMEOUT_MS: String((props.oneEntryTimeout ?? Duration.seconds(5)).toMilliseconds()),
      ONEENTRY_MAX_ATTEMPTS: String(props.oneEntryMaxAttempts ?? 4),
      ONEENTRY_MAX_RPS: String(props.oneEntryMaxRps ?? 20),
      PENDING_STATUSES: (props.pendingStatuses ?? ['waiting']).join(','),
      MAX_TRACKING_HOURS: String(props.maxTrackingHours ?? 24),
      POLL_TIME_MARGIN_MS: String((props.pollTimeMargin ?? Duration.seconds(10)).toMilliseconds()),
    };
    const functionDefaults = { logRetention, logRemovalPolicy: removalPolicy };

    const poller = new WatchFunction(this, 'Poller', {
      handler: 'poller',
      description: 'Runs one OneEntry payment-session poll cycle',
      // A cycle stops starting checks when its time runs low, so this bounds one cycle.
      timeout: props.pollerTimeout ?? functionTimeout('poller'),
      // 16 concurrent HTTPS checks plus JSON; memory also buys CPU.
      memorySize: props.pollerMemorySize ?? 512,
      ...functionDefaults,
      // A failed cycle is not retried: the next tick runs a fresh one anyway.
      retryAttempts: 0,
      environment: {
        ...common,
        ...oneEntry,
        POLL_CONCURRENCY: String(props.pollConcurrency ?? 16),
        FAST_POLL_SECONDS: String(props.fastPollSeconds ?? 0),
        POLL_RATE_SECONDS: String(pollRate.toSeconds()),
        CIRCUIT_MIN_CALLS: String(props.circuitMinCalls ?? 10),
        CIRCUIT_FAILURE_RATIO: String(props.circuitFailureRatio ?? 0.5),
      },
    }).function;

    const webhook = new WatchFunction(this, 'Webhook', {
      handler: 'webhook',
      description: 'Receives signed OneEntry payment-session webhooks from the shop backend',
      timeout: functionTimeout('webhook'),
      ...functionDefaults,
      environment: {
        ...common,
        ...oneEntry,
        WEBHOOK_SECRET_ARN: this.webhookSecret.secretArn,
      },
    }).function;

    const history = new WatchFunction(this, 'History', {
      handler: 'history',
      description: "Serves an order's payment-session history",
      timeout: functionTimeout('history'),
      ...functionDefaults,
      environment: common,
    }).function;

    // Stopping tracking writes: its own function, so the history function stays read-only.
    const untrack = new WatchFunction(this, 'Untrack', {
      handler: 'untrack',
      description: 'Stops tracking an order by hand (DELETE /orders/{orderId})',
      timeout: functionTimeout('untrack'),
      ...functionDefaults,
      environment: common,
    }).function;

    const publisherFunction = new WatchFunction(this, 'Publisher', {
      handler: 'publisher',
      description: 'Publishes recorded payment-session transitions to EventBridge',
      timeout: functionTimeout('publisher'),
      ...functionDefaults,
      environment: {
        ...common,
        EVENT_BUS_NAME: this.eventBus.eventBusName,
        EVENT_SOURCE: eventSource,
        PUBLISH_MAX_ATTEMPTS: String(props.publishMaxAttempts ?? 4),
      },
    }).function;
    const publisher: IFunction = publisherFunction;

    const discoveryRate = props.discoveryRate ?? Duration.minutes(5);
    const discovery =
      discoveryRate.toSeconds() === 0
        ? undefined
        : new WatchFunction(this, 'Discovery', {
            handler: 'discovery',
            description: "Sweeps OneEntry's payment-session list for orders no webhook announced",
            // A sweep stops reading when its time runs low; the next resumes from its checkpoint.
            timeout: functionTimeout('discovery'),
            ...functionDefaults,
            retryAttempts: 0,
            environment: {
              ...common,
              ...oneEntry,
              DISCOVERY_BACKFILL_HOURS: String(props.discoveryBackfillHours ?? 0),
            },
          }).function;

    this.functions = {
      poller,
      webhook,
      history,
      untrack,
      publisher,
      ...(discovery ? { discovery } : {}),
    };

    // Poller and webhook record transitions (items and the `due` index) and renew the shared
    // OneEntry tokens in the table's credential item; the secret only seeds them.
    for (const fn of [poller, webhook, ...(discovery ? [discovery] : [])]) {
      this.table.grantReadWriteData(fn);
      this.oneEntrySecret.grantRead(fn);
    }
    this.webhookSecret.grantRead(webhook);
    this.table.grantReadData(history);
    if (!(this.table instanceof SessionTable)) {
      // Grants on an imported table cover only the indexes it was imported with; every
      // function queries this layout's indexes whatever the import said.
      for (const fn of [poller, webhook, history, ...(discovery ? [discovery] : [])]) {
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['dynamodb:Query'],
            resources: [`${this.table.tableArn}/index/*`],
          }),
        );
      }
    }
    // Reads the order (GetItem, Query of its partition) and writes it and its entry in one
    // transaction (UpdateItem, PutItem): items only, no index, no delete, no batch, no scan.
    Grant.addToPrincipal({
      grantee: untrack,
      actions: UNTRACK_TABLE_ACTIONS,
      resourceArns: [this.table.tableArn],
    });
    this.table.encryptionKey?.grantEncryptDecrypt(untrack);
    this.eventBus.grantPutEventsTo(publisher);

    this.publisherDeadLetterQueue = deadLetterQueue(
      this,
      'PublisherDeadLetterQueue',
      "the publisher's event source mapping",
    );

    // Records that can never be published go to the same queue at once, with their reason.
    publisherFunction.addEnvironment(
      'PUBLISHER_FAILURE_QUEUE_URL',
      this.publisherDeadLetterQueue.queueUrl,
    );
    this.publisherDeadLetterQueue.grantSendMessages(publisher);

    publisher.addEventSource(
      new DynamoEventSource(this.table, {
        // The table is new with the stack: start at the oldest record so none is skipped.
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: props.publisherBatchSize ?? 100,
        // Only new history items are transitions; order, lease and receipt writes never
        // reach (or bill) the function.
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual(EVENT_RECORD.eventName),
            dynamodb: {
              NewImage: { [ENTITY_ATTRIBUTE]: { S: FilterRule.isEqual(EVENT_RECORD.entity) } },
            },
          }),
        ],
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: props.publisherRetryAttempts ?? PUBLISHER_RETRY_ATTEMPTS,
        maxRecordAge: PUBLISHER_MAX_RECORD_AGE,
        onFailure: new SqsDlq(this.publisherDeadLetterQueue),
      }),
    );
    // TableV2.grantStreamRead names ListStreams on the stream, where IAM ignores it: the action
    // has no resource-level permissions (aws/aws-cdk#34575). The event source mapping needs it.
    publisher.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }),
    );

    const schedules = createWatchSchedules(this, {
      poller,
      pollRate,
      pollShards: props.pollShards ?? 1,
      discovery,
      discoveryRate,
    });
    this.pollSchedules = schedules.pollSchedules;
    const [firstSchedule] = this.pollSchedules;
    if (!firstSchedule) throw new InvalidWatchPropsError('pollShards must be at least 1');
    this.schedule = firstSchedule;
    this.scheduleDeadLetterQueue = schedules.scheduleDeadLetterQueue;
    this.discoverySchedule = schedules.discoverySchedule;
    this.discoveryDeadLetterQueue = schedules.discoveryDeadLetterQueue;

    this.api = new WatchApi(this, 'Api', {
      webhook,
      history,
      untrack,
      throttle: props.apiThrottle,
      accessLogRetention: logRetention,
      accessLogRemovalPolicy: removalPolicy,
    });

    this.monitoring = new WatchMonitoring(this, 'Monitoring', {
      namespace: this.metricNamespace,
      serviceName: this.serviceName,
      functions: this.functions,
      api: this.api.httpApi,
      deadLetterQueues: {
        Schedule: { queue: this.scheduleDeadLetterQueue },
        Publisher: {
          queue: this.publisherDeadLetterQueue,
          whatToDo:
            'Events were not published. Fix the cause (publisher logs), then re-publish from the table: npm run republish -- --from-dlq --queue-url <PublisherDeadLetterQueueUrl> (README: runbook).',
        },
        ...(this.discoveryDeadLetterQueue
          ? { Discovery: { queue: this.discoveryDeadLetterQueue } }
          : {}),
      },
      alarmTopic: props.alarmTopic,
      upstreamFailureRateThreshold: props.upstreamFailureRateThreshold,
      iteratorAgeThreshold: props.iteratorAgeThreshold,
    });

    this.acknowledgeGrantWildcards();
  }

  /**
   * A rule on the watch's bus for sessions that resolved (`Payment Session Resolved`), e.g.
   * `watch.onSessionResolved('Paid', { statuses: ['completed'], target: new SqsQueue(q) })`.
   */
  onSessionResolved(id: string, options: OnPaymentSessionEventOptions = {}): Rule {
    return this.ruleFor(id, [DETAIL_TYPE.resolved], options);
  }

  /** A rule for sessions that appeared or moved between pending statuses. */
  onStatusChanged(id: string, options: OnPaymentSessionEventOptions = {}): Rule {
    return this.ruleFor(id, [DETAIL_TYPE.statusChanged], options);
  }

  /** A rule for orders the watch gave up on after `maxTrackingHours`. */
  onTrackingExpired(id: string, options: events.OnEventOptions = {}): Rule {
    return this.ruleFor(id, [DETAIL_TYPE.trackingExpired], options);
  }

  /** A rule for orders whose tracking someone stopped by hand (`DELETE /orders/{orderId}`, `npm run untrack`). */
  onTrackingStopped(id: string, options: events.OnEventOptions = {}): Rule {
    return this.ruleFor(id, [DETAIL_TYPE.trackingStopped], options);
  }

  /**
   * Delivers matching events to an HTTPS endpoint outside AWS (EventBridge API destination),
   * retried for up to a day, then kept in an alarmed dead-letter queue.
   */
  addHttpsSubscriber(id: string, options: HttpsSubscriberOptions): HttpsSubscriber {
    const subscriber = new HttpsSubscriber(this, id, {
      ...options,
      eventBus: this.eventBus,
      eventSource: this.eventSource,
    });
    this.monitoring.alarmOnDeadLetters(
      `${id}Subscriber`,
      subscriber.deadLetterQueue,
      `${options.url} did not take these events for 24 hours. Fix the endpoint, then re-send them: npm run republish -- --from <time> --to <time> (every subscriber sees them again with the same eventId and deduplicates).`,
    );
    return subscriber;
  }

  private ruleFor(
    id: string,
    detailTypes: PaymentSessionDetailType[],
    options: OnPaymentSessionEventOptions,
  ): Rule {
    const { statuses, target, eventPattern, ...ruleOptions } = options;
    const rule = new Rule(this, id, { ...ruleOptions, eventBus: this.eventBus });
    rule.addEventPattern(
      toRulePattern(
        paymentSessionEventPattern({ source: this.eventSource, detailTypes, statuses }),
      ),
    );
    if (eventPattern) rule.addEventPattern(eventPattern);
    if (target) rule.addTarget(target);
    return rule;
  }

  /** Orders checked against OneEntry (sum per 5 minutes). */
  metricChecks(props?: MetricOptions): Metric {
    return this.monitoring.customMetric('OrdersChecked').with(props ?? {});
  }

  /** Session transitions recorded (sum per 5 minutes). */
  metricTransitions(props?: MetricOptions): Metric {
    return this.monitoring.customMetric('Transitions').with(props ?? {});
  }

  /** Failed share of OneEntry calls (0 to 1, per 5 minutes). */
  metricUpstreamFailureRate(): MathExpression {
    return this.monitoring.upstreamFailureRate();
  }

  /** How far the publisher lags behind the table stream (its iterator age, maximum, ms). */
  metricPublishAge(props?: MetricOptions): Metric {
    return this.monitoring.publishAge().with(props ?? {});
  }

  /** Refused sign-ins and refreshes, and cycles skipped for failing auth (sum per 5 minutes). */
  metricAuthFailures(props?: MetricOptions): Metric {
    return this.monitoring.customMetric('AuthFailures').with(props ?? {});
  }

  /** Lets `grantee` read the audit trail through the API: one order, and the listings (`execute-api:Invoke`). */
  grantReadHistory(grantee: IGrantable): Grant {
    return this.api.grantInvokeHistory(grantee);
  }

  /** Lets `grantee` stop tracking orders through the API (`DELETE /orders/{orderId}`, `execute-api:Invoke`). */
  grantUntrack(grantee: IGrantable): Grant {
    return this.api.grantInvokeUntrack(grantee);
  }

  /** Acknowledges the wildcards that grant methods add, each for its reason. */
  private acknowledgeGrantWildcards(): void {
    const { poller, webhook, history, untrack, publisher, discovery } = this.functions;
    const index = `Resource::${nagResourceName(this, `${this.table.tableArn}/index/*`)}`;
    const tableReaders = [poller, webhook, history, ...(discovery ? [discovery] : [])];
    for (const fn of tableReaders) {
      acknowledgeOnPolicy(fn, `AwsSolutions-IAM5[${index}]`, [
        "Table.grant*Data covers the table's indexes as <table>/index/*: the table's indexes are `due` (queried by the poller, and by the history function for stuck orders), `orders-by-change` and `history-by-time` (queried by the history function's audit listings and operators' CLIs).",
      ]);
    }
    if (this.table.encryptionKey) {
      const tableWriters = [...tableReaders.filter((reader) => reader !== history), untrack];
      for (const fn of tableWriters) {
        for (const action of ['kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
          acknowledgeOnPolicy(fn, `AwsSolutions-IAM5[Action::${action}]`, [
            "The key actions of Table.grantReadWriteData (Key.grantEncryptDecrypt for the untrack function), on the table's key only: DynamoDB encrypts each item it writes with a data key of the table's key.",
          ]);
        }
      }
    }
    acknowledgeOnPolicy(publisher, 'AwsSolutions-IAM5[Resource::*]', [
      'dynamodb:ListStreams, added by DynamoEventSource (Table.grantStreamRead): the action has no resource-level permissions; all other stream actions are scoped to the table stream.',
    ]);
  }
}
