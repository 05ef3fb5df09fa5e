import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of {@link WatchMonitoring}. */
export interface WatchMonitoringProps {
  /** Where the functions' Powertools metrics go (`POWERTOOLS_METRICS_NAMESPACE`). */
  readonly namespace: string;
  /** The `service` dimension of those metrics (`POWERTOOLS_SERVICE_NAME`). */
  readonly serviceName: string;

  /** The functions, by role. */
  readonly functions: {
    readonly poller: IFunction;
    readonly webhook: IFunction;
    readonly history: IFunction;
    readonly untrack?: IFunction;
    readonly publisher: IFunction;
    readonly discovery?: IFunction;
  };

  /** The HTTP API (webhook and history). */
  readonly api: IHttpApi;

  /**
   * Dead-letter queues by a short name used in alarm ids, e.g. `{ Schedule: { queue } }`, each
   * with what an operator does when its alarm fires (added to the alarm's description).
   */
  readonly deadLetterQueues: Record<string, { queue: IQueue; whatToDo?: string }>;

  /**
   * Topic that receives every alarm's ALARM and OK notifications.
   * @default - alarms have no actions
   */
  readonly alarmTopic?: ITopic;

  /**
   * Share of upstream (OneEntry) calls that may fail before the failure-rate alarm fires.
   * @default 0.2
   */
  readonly upstreamFailureRateThreshold?: number;

  /**
   * How far the publisher may lag behind the table stream before its alarm fires.
   * @default Duration.minutes(5)
   */
  readonly iteratorAgeThreshold?: Duration;
}

const FIVE_MINUTES = Duration.minutes(5);

/** Alarms on everything that needs a human, and a dashboard of the flow. */
export class WatchMonitoring extends Construct {
  /** Every alarm, by construct id. */
  readonly alarms: Record<string, Alarm> = {};
  /** The dashboard. */
  readonly dashboard: Dashboard;
  private readonly alarmTopic: ITopic | undefined;
  private readonly namespace: string;
  private readonly publisher: IFunction;
  private readonly serviceName: string;

  constructor(scope: Construct, id: string, props: WatchMonitoringProps) {
    super(scope, id);
    const { functions } = props;

    // Errors in 2 of the last 3 five-minute windows: one failed poll cycle heals itself at the
    // next tick; repeated failures do not. The windows make this work for any poll rate.
    for (const [name, fn] of Object.entries(functions)) {
      if (!fn) continue;
      this.addAlarm(`${capitalize(name)}Errors`, {
        description: `The ${name} function is failing (Lambda Errors).`,
        metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
    }

    this.namespace = props.namespace;
    this.serviceName = props.serviceName;
    const upstreamFailureRate = this.upstreamFailureRate();
    this.addAlarm('UpstreamFailureRate', {
      description:
        'Too many OneEntry calls fail (UpstreamFailures / UpstreamCalls): the upstream or our credentials are broken.',
      metric: upstreamFailureRate,
      threshold: props.upstreamFailureRateThreshold ?? 0.2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });

    this.addAlarm('AuthFailures', {
      description:
        'OneEntry refuses the deployment\'s credentials (AuthFailures): no order is checked. Look at the poller log for the reason, then run `npm run login` against the deployed table, or fix login/password in the OneEntry secret (see README, "OneEntry sign-in").',
      metric: this.customMetric('AuthFailures'),
      threshold: 1,
      evaluationPeriods: 1,
    });

    if (functions.discovery) {
      this.addAlarm('DiscoveryTruncated', {
        description:
          "Discovery sees fewer payment sessions than OneEntry counts: the service user's group may read only a few. Grant it read permission 'all' on payment sessions in OneEntry (Settings → Users → Groups → Modules).",
        metric: this.customMetric('DiscoveryTruncated'),
        threshold: 1,
        evaluationPeriods: 1,
      });
    }

    this.publisher = functions.publisher;
    const iteratorAge = this.publishAge();
    this.addAlarm('PublisherIteratorAge', {
      description:
        'The publisher lags behind the table stream: events reach subscribers late, and records older than the stream retention are lost.',
      metric: iteratorAge,
      threshold: (props.iteratorAgeThreshold ?? FIVE_MINUTES).toMilliseconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });

    const dlqDepths = Object.entries(props.deadLetterQueues).map(([name, { queue, whatToDo }]) =>
      this.alarmOnDeadLetters(name, queue, whatToDo),
    );

    // The API-wide 5xx count: the webhook is the route that matters (a 5xx makes the shop retry
    // and, in the end, give up); the WebhookErrors alarm above tells whether the handler threw.
    const serverErrors = props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    this.addAlarm('ApiServerErrors', {
      description: 'The HTTP API (webhook, history) answers with 5xx.',
      metric: serverErrors,
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });

    this.alarmTopic = props.alarmTopic;
    for (const alarm of Object.values(this.alarms)) this.notify(alarm);

    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          graph('Poll cycles', [
            // Orders being tracked (max per period): the backlog the poller works through.
            this.customMetric('OrdersTracked', 'Maximum'),
            this.customMetric('OrdersChecked'),
            this.customMetric('Transitions'),
            this.customMetric('SessionsResolved'),
            this.customMetric('CheckErrors'),
            this.customMetric('CyclesStoppedEarly'),
            this.customMetric('StaleObservations'),
          ]),
          graph('Upstream failure rate', [upstreamFailureRate]),
          graph('Discovery', [
            this.customMetric('SessionsDiscovered'),
            this.customMetric('DiscoveryPages'),
            this.customMetric('DiscoveryTruncated'),
          ]),
          graph('OneEntry sign-in', [
            this.customMetric('AuthRefreshes'),
            this.customMetric('AuthSignIns'),
            this.customMetric('AuthFailures'),
          ]),
          // Against the poller's timeout: how much room a cycle has left.
          graph('Poll cycle duration (ms, max)', [this.customMetric('CycleDurationMs', 'Maximum')]),
        ],
        [
          graph('Events', [
            this.customMetric('EventsPublished'),
            this.customMetric('EventsFailed'),
          ]),
          graph('Publisher iterator age (ms)', [iteratorAge]),
          graph('Dead-letter queue depth', dlqDepths),
        ],
        [
          graph('HTTP API', [
            props.api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }),
            props.api.metricClientError({ period: FIVE_MINUTES, statistic: 'Sum' }),
            serverErrors,
          ]),
          new AlarmStatusWidget({
            title: 'Alarms',
            alarms: Object.values(this.alarms),
            width: 16,
            height: 6,
          }),
        ],
      ],
    });
  }

  /**
   * Alarms when anything waits in `queue`, a dead-letter queue: work that was given up on is
   * always worth a look. Returns the depth metric, labelled for a graph.
   */
  alarmOnDeadLetters(name: string, queue: IQueue, whatToDo?: string): IMetric {
    const depth = queue.metricApproximateNumberOfMessagesVisible({
      period: FIVE_MINUTES,
      statistic: 'Maximum',
    });
    const alarm = this.addAlarm(`${name}DeadLetters`, {
      description: `Messages are waiting in the ${name} dead-letter queue.${whatToDo ? ` ${whatToDo}` : ''}`,
      metric: depth,
      threshold: 1,
      evaluationPeriods: 1,
    });
    // Alarms added after construction (subscribers) get the topic here; the others in the loop.
    if (this.dashboard) this.notify(alarm);
    return depth.with({ label: `${name} DLQ` });
  }

  private notify(alarm: Alarm): void {
    if (!this.alarmTopic) return;
    const action = new SnsAction(this.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }

  /** A Powertools (EMF) metric of this service. */
  customMetric(metricName: string, statistic = 'Sum'): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: { service: this.serviceName },
      statistic,
      period: FIVE_MINUTES,
    });
  }

  /** How far the publisher lags behind the table stream: its iterator age (maximum, ms). */
  publishAge(): Metric {
    return this.publisher.metric('IteratorAge', {
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
  }

  /** Failed share of OneEntry calls, 0 when there were none. */
  upstreamFailureRate(): MathExpression {
    return new MathExpression({
      // No calls (nothing to poll) is a rate of 0, not missing data or a division by zero.
      expression: 'IF(calls > 0, failures / calls, 0)',
      usingMetrics: {
        failures: this.customMetric('UpstreamFailures'),
        calls: this.customMetric('UpstreamCalls'),
      },
      label: 'Upstream failure rate',
      period: FIVE_MINUTES,
    });
  }

  private addAlarm(
    id: string,
    options: {
      description: string;
      metric: IMetric;
      threshold: number;
      evaluationPeriods: number;
      datapointsToAlarm?: number;
      comparisonOperator?: ComparisonOperator;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods,
      datapointsToAlarm: options.datapointsToAlarm,
      comparisonOperator:
        options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means nothing happened (no errors, no polling work, an empty queue).
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarms[id] = alarm;
    return alarm;
  }
}

function graph(title: string, left: IMetric[]): GraphWidget {
  return new GraphWidget({ title, left, width: 8, height: 6 });
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
