/**
 * The CDK's built-in CloudFormation validation (resource schemas: types, required and unknown
 * properties) over the stack's templates, as `cdk synth` runs it. The other tests synthesize
 * without it (see synth.ts); these configurations between them hold every resource type and
 * property those tests' variants produce.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { PaymentSessionWatch } from '../../infra/cdk/payment-session-watch';
import { createStack, testApp } from './synth';

const ALARM_TOPIC_ARN = 'arn:aws:sns:eu-central-1:111122223333:payment-alarms';
const STREAM_ARN =
  'arn:aws:dynamodb:eu-central-1:111122223333:table/watch-v1/stream/2026-01-01T00:00:00.000';
const KEY_ARN = 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Every violation the validation reported, one line each (none when synth passes). */
function violations(context: Record<string, unknown>): string[] {
  return violationsOf(createStack(context, { validate: true }).app);
}

function violationsOf(app: ReturnType<typeof testApp>): string[] {
  const assembly = app.synth();
  const report = JSON.parse(
    readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as { pluginReports: { violations?: { ruleName: string; description: string }[] }[] };
  return report.pluginReports.flatMap((plugin) =>
    (plugin.violations ?? []).map((violation) => `${violation.ruleName}: ${violation.description}`),
  );
}

describe('CloudFormation validation of the templates', () => {
  it('passes the stack of cdk.json', () => {
    expect(violations({})).toEqual([]);
  });

  it('passes the stack with every optional part on: own bus, alarm topic, shards, fast lane, backfill, rate cap, throttling', () => {
    expect(
      violations({
        eventBusName: 'payments',
        alarmTopicArn: ALARM_TOPIC_ARN,
        pollShards: '3',
        fastPollSeconds: '10',
        discoveryRate: '15',
        discoveryBackfillHours: '6',
        oneEntryMaxRps: '5',
        pendingStatuses: 'waiting,pending',
        logLevel: 'DEBUG',
        apiRateLimit: '10',
        apiBurstLimit: '20',
      }),
    ).toEqual([]);
  });

  it('passes the stack that keeps an existing table with its customer-managed key', () => {
    expect(violations({ tableStreamArn: STREAM_ARN, tableKeyArn: KEY_ARN })).toEqual([]);
  });

  it('passes a watch whose new table is encrypted with a customer-managed key', () => {
    const app = testApp({ '@aws-cdk/core:validateAgainstDefaultRules': true }, { validate: true });
    const stack = new Stack(app, 'Regional', { env: { region: 'eu-central-1' } });
    new PaymentSessionWatch(stack, 'Watch', {
      oneEntryUrl: 'https://shop.oneentry.cloud',
      tableEncryptionKey: new Key(stack, 'Key', { enableKeyRotation: true }),
    });
    expect(violationsOf(app)).toEqual([]);
  });

  it('fails the synth on a property CloudFormation does not know, so the checks above can fail', () => {
    const { app, stack } = createStack({}, { validate: true });
    const table = stack.node
      .findAll()
      .find(
        (construct): construct is CfnResource =>
          construct instanceof CfnResource &&
          construct.cfnResourceType === 'AWS::DynamoDB::GlobalTable',
      );
    table?.addPropertyOverride('NoSuchProperty', 1);
    expect(() => app.synth()).toThrow(/NoSuchProperty/);
  });
});
