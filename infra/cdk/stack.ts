import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { tableArnOfStream } from './context';
import {
  HISTORY_PATH,
  PaymentSessionWatch,
  type PaymentSessionWatchProps,
} from './payment-session-watch';

/** Properties of {@link PaymentSessionWatchStack}. */
export interface PaymentSessionWatchStackProps extends StackProps {
  /**
   * Configuration of the watch. Its `eventBus`, `alarmTopic` and `table` are given by name/ARN below,
   * since they are resolved inside the stack.
   */
  readonly watch: Omit<PaymentSessionWatchProps, 'eventBus' | 'alarmTopic' | 'table'>;

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

  /**
   * Keep the existing table whose stream this is (the watch's `table` prop), such as the table
   * of a deployment made before the watch used `TableV2`.
   * @default - a new table
   */
  readonly tableStreamArn?: string;

  /**
   * The customer-managed KMS key of the table given by `tableStreamArn`, if it has one.
   * @default - the table uses an AWS-managed key
   */
  readonly tableKeyArn?: string;
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
      table: props.tableStreamArn
        ? TableV2.fromTableAttributes(this, 'ExistingTable', {
            tableArn: tableArnOfStream(props.tableStreamArn),
            tableStreamArn: props.tableStreamArn,
            encryptionKey: props.tableKeyArn
              ? Key.fromKeyArn(this, 'ExistingTableKey', props.tableKeyArn)
              : undefined,
          })
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
      UntrackInvokeArn: {
        value: watch.api.untrackInvokeArn,
        description:
          'Grant execute-api:Invoke on this ARN to whoever may stop tracking orders (DELETE /orders/{orderId})',
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
