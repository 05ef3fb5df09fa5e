import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  HISTORY_PATH,
  PaymentSessionWatch,
  type PaymentSessionWatchProps,
} from './payment-session-watch';

/** Properties of {@link PaymentSessionWatchStack}. */
export interface PaymentSessionWatchStackProps extends StackProps {
  /**
   * Configuration of the watch. Its `eventBus` and `alarmTopic` are given by name/ARN below,
   * since they are resolved inside the stack.
   */
  readonly watch: Omit<PaymentSessionWatchProps, 'eventBus' | 'alarmTopic'>;

  /**
   * Publish to this existing event bus.
   * @default - a new custom bus
   */
  readonly eventBusName?: string;

  /**
   * SNS topic for alarm notifications.
   * @default - alarms have no actions
   */
  readonly alarmTopicArn?: string;
}

/** One payment-session watch and the outputs an operator needs to wire it up. */
export class PaymentSessionWatchStack extends Stack {
  /** The watch. */
  readonly watch: PaymentSessionWatch;

  constructor(scope: Construct, id: string, props: PaymentSessionWatchStackProps) {
    super(scope, id, props);
    const watch = new PaymentSessionWatch(this, 'Watch', {
      ...props.watch,
      eventBus: props.eventBusName
        ? EventBus.fromEventBusName(this, 'EventBus', props.eventBusName)
        : undefined,
      alarmTopic: props.alarmTopicArn
        ? Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn)
        : undefined,
    });
    this.watch = watch;

    const apiBase = watch.api.url.replace(/\/$/, '');
    const outputs: Record<string, { value: string; description: string }> = {
      ApiUrl: { value: watch.api.url, description: 'Base URL of the HTTP API' },
      WebhookUrl: {
        value: watch.api.webhookUrl,
        description: 'Give this URL to the shop backend as its webhook endpoint',
      },
      HistoryUrl: {
        value: `${apiBase}${HISTORY_PATH}`,
        description: "GET an order's history (SigV4-signed; needs execute-api:Invoke)",
      },
      HistoryInvokeArn: {
        value: watch.api.historyInvokeArn,
        description: 'Grant execute-api:Invoke on this ARN to callers of the history route',
      },
      ListingInvokeArns: {
        value: Fn.join(',', watch.api.listingInvokeArns),
        description:
          'Grant execute-api:Invoke on these ARNs to callers of the audit listings (GET /orders, GET /transitions)',
      },
      EventBusName: { value: watch.eventBus.eventBusName, description: 'Bus the events go to' },
      TableName: { value: watch.table.tableName, description: 'State and history table' },
      PublisherDeadLetterQueueUrl: {
        value: watch.publisherDeadLetterQueue.queueUrl,
        description:
          'Events that were not published; re-publish with npm run republish -- --from-dlq --queue-url <this>',
      },
      OneEntrySecretArn: {
        value: watch.oneEntrySecret.secretArn,
        description:
          'After deploying, put the OneEntry credentials here: JSON {"appToken","login","password"} (or only the appToken, then npm run login)',
      },
      WebhookSecretArn: {
        value: watch.webhookSecret.secretArn,
        description:
          "After deploying, put the shop's Standard Webhooks secret(s) here, comma-separated",
      },
      DashboardName: {
        value: watch.monitoring.dashboard.dashboardName,
        description: 'CloudWatch dashboard',
      },
    };
    for (const [id, output] of Object.entries(outputs)) new CfnOutput(this, id, output);
  }
}
