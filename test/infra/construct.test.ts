import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
/** Configuration paths: context parsing, prop validation and the optional integrations. */
import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { type TableAttributesV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { readContext } from '../../infra/cdk/context';
import { PaymentSessionWatch } from '../../infra/cdk/payment-session-watch';
import { createStack, scratchOutdir, synthesize, testApp } from './synth';

const URL_ = 'https://shop.oneentry.cloud';
/** A bare stack for construct-level checks (bundling skipped, like synth.ts). */
const bareStack = () => new Stack(testApp(), 'Bare');

describe('context', () => {
  it('applies the documented defaults', () => {
    const context = readContext(testApp({ oneEntryUrl: URL_ }).node);
    expect(context).toMatchObject({
      stackName: 'PaymentSessionWatch',
      pollRate: 1,
      logLevel: 'INFO',
      logRetentionDays: 30,
      archiveRetentionDays: 365,
      apiRateLimit: 50,
      apiBurstLimit: 100,
    });
    expect(context.eventBusName).toBeUndefined();
    expect(context.alarmTopicArn).toBeUndefined();
  });

  it('coerces `-c key=value` strings', () => {
    const context = readContext(
      testApp({
        oneEntryUrl: URL_,
        pollRate: '5',
        pollConcurrency: '32',
        pendingStatuses: 'waiting, pending',
        logRetentionDays: '90',
      }).node,
    );
    expect(context).toMatchObject({
      pollRate: 5,
      pollConcurrency: 32,
      pendingStatuses: ['waiting', 'pending'],
      logRetentionDays: 90,
    });
  });

  it.each([
    [{}, 'oneEntryUrl'],
    [{ oneEntryUrl: 'http://shop.oneentry.cloud' }, 'oneEntryUrl'],
    [{ oneEntryUrl: URL_, pollRate: '0' }, 'pollRate'],
    [{ oneEntryUrl: URL_, pollRate: '1.5' }, 'pollRate'],
    [{ oneEntryUrl: URL_, logRetentionDays: '31' }, 'logRetentionDays'],
    [{ oneEntryUrl: URL_, logLevel: 'TRACE' }, 'logLevel'],
    [{ oneEntryUrl: URL_, pollConcurrency: '1000' }, 'pollConcurrency'],
    [{ oneEntryUrl: URL_, pollShards: '0' }, 'pollShards'],
    [{ oneEntryUrl: URL_, pollShards: '65' }, 'pollShards'],
    [{ oneEntryUrl: URL_, oneEntryMaxRps: '-1' }, 'oneEntryMaxRps'],
    [{ oneEntryUrl: URL_, fastPollSeconds: '2.5' }, 'fastPollSeconds'],
    [{ oneEntryUrl: URL_, alarmTopicArn: 'my-topic' }, 'alarmTopicArn'],
    [
      { oneEntryUrl: URL_, tableStreamArn: 'arn:aws:dynamodb:eu-central-1:111122223333:table/t' },
      'tableStreamArn',
    ],
    [
      { oneEntryUrl: URL_, tableKeyArn: 'arn:aws:kms:eu-central-1:111122223333:key/k' },
      'tableKeyArn',
    ],
  ])('rejects %j naming %s', (context, key) => {
    expect(() => readContext(testApp(context).node)).toThrow(`context '${key}'`);
  });

  it.each([
    [
      {},
      "Invalid CDK context: context 'oneEntryUrl' is required: add -c oneEntryUrl=https://your-project.oneentry.cloud",
    ],
    [
      // Each value valid alone; together the construct refuses them.
      { oneEntryUrl: 'https://shop.oneentry.cloud', fastPollSeconds: '60' },
      'fastPollSeconds must be a whole number of seconds from 0 (off) to under pollRate, got 60',
    ],
  ])('refuses to synthesize (and so to deploy) %j in one line naming the key', (extra, line) => {
    // cdk.json names no project on purpose; the CLI hands the app its context this way.
    const result = spawnSync(NODE, ['--import', 'tsx', 'infra/cdk/app.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), ...extra }),
        CDK_OUTDIR: scratchOutdir(),
      },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([line]);
  });
});

const ROOT = join(import.meta.dirname, '..', '..');
/** The project's Node, with tsx as a loader in the same process (cdk.json's `npx tsx` starts two). */
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const cdkJsonContext = () =>
  (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> })
    .context;

describe('PaymentSessionWatch props', () => {
  it.each([
    [{ oneEntryUrl: 'not a url' }, /oneEntryUrl must be a URL/],
    [{ oneEntryUrl: 'http://x.oneentry.cloud' }, /https/],
    [{ pollRate: Duration.seconds(30) }, /pollRate/],
    [{ pollRate: Duration.seconds(90) }, /pollRate/],
    [{ pollConcurrency: 0 }, /pollConcurrency/],
    [{ pollShards: 0 }, /pollShards/],
    [{ pollShards: 1.5 }, /pollShards/],
    [{ oneEntryMaxRps: -1 }, /oneEntryMaxRps/],
    [{ fastPollSeconds: 60 }, /fastPollSeconds/],
    [{ fastPollSeconds: 10, pollRate: Duration.minutes(5) }, /pollerTimeout/],
    [{ maxTrackingHours: 0 }, /maxTrackingHours/],
    [{ pendingStatuses: [] }, /pendingStatuses/],
    [{ pendingStatuses: ['a,b'] }, /pendingStatuses/],
    [{ upstreamFailureRateThreshold: 1 }, /upstreamFailureRateThreshold/],
  ])('rejects %o', (props, message) => {
    expect(
      () => new PaymentSessionWatch(bareStack(), 'Watch', { oneEntryUrl: URL_, ...props }),
    ).toThrow(message);
  });

  it('grants callers the history route and the audit listings only, through grantReadHistory', () => {
    const stack = bareStack();
    const watch = new PaymentSessionWatch(stack, 'Watch', { oneEntryUrl: URL_ });
    const reader = new Role(stack, 'Reader', { assumedBy: new AccountRootPrincipal() });
    watch.grantReadHistory(reader);
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).find(
      (p) => JSON.stringify(p.Properties.Roles).includes('Reader'),
    );
    const [statement, ...others] = policy?.Properties.PolicyDocument.Statement ?? [];
    expect(others).toEqual([]);
    expect(statement.Action).toBe('execute-api:Invoke');
    const arn = JSON.stringify(statement.Resource);
    expect(arn).toContain(':execute-api:');
    expect(arn).toContain('/$default/GET/orders/*');
    expect(arn).toContain('/$default/GET/orders"');
    expect(arn).toContain('/$default/GET/transitions"');
    expect(statement.Resource).toHaveLength(3);
  });

  it('grants callers DELETE /orders/{orderId} only, through grantUntrack', () => {
    const stack = bareStack();
    const watch = new PaymentSessionWatch(stack, 'Watch', { oneEntryUrl: URL_ });
    const operator = new Role(stack, 'Operator', { assumedBy: new AccountRootPrincipal() });
    watch.grantUntrack(operator);
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).find(
      (p) => JSON.stringify(p.Properties.Roles).includes('Operator'),
    );
    const [statement, ...others] = policy?.Properties.PolicyDocument.Statement ?? [];
    expect(others).toEqual([]);
    expect(statement.Action).toBe('execute-api:Invoke');
    const arn = JSON.stringify(statement.Resource);
    expect(arn).toContain('/$default/DELETE/orders/*');
    expect(arn).not.toContain('/GET/');
  });

  it('lets the untrack function encrypt and decrypt with a customer-managed table key', () => {
    const app = testApp();
    const stack = new Stack(app, 'Regional', { env: { region: 'eu-central-1' } });
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    const watch = new PaymentSessionWatch(stack, 'Watch', {
      oneEntryUrl: URL_,
      tableEncryptionKey: key,
    });
    const roleId = stack.resolve(
      (watch.functions.untrack.role!.node.defaultChild as never as { logicalId: string }).logicalId,
    );
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).find(
      (p) => JSON.stringify(p.Properties.Roles).includes(roleId),
    );
    const actions = JSON.stringify(policy?.Properties.PolicyDocument.Statement);
    expect(actions).toContain('kms:Decrypt');
    expect(actions).toContain('kms:GenerateDataKey*');
  });

  it('encrypts the table with a given customer-managed key in a stack with a region', () => {
    const app = testApp();
    const stack = new Stack(app, 'Regional', { env: { region: 'eu-central-1' } });
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    new PaymentSessionWatch(stack, 'Watch', { oneEntryUrl: URL_, tableEncryptionKey: key });
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [
        Match.objectLike({
          Region: 'eu-central-1',
          SSESpecification: { KMSMasterKeyId: Match.anyValue() },
        }),
      ],
    });
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(
      report.violations.map(
        (v) => `${v.ruleName} ${JSON.stringify(v.violatingResources.map((r) => r.locations))}`,
      ),
    ).toEqual([]);
  });

  it('refuses a customer-managed key in a region-agnostic stack, naming the fix', () => {
    const stack = bareStack();
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    expect(
      () => new PaymentSessionWatch(stack, 'Watch', { oneEntryUrl: URL_, tableEncryptionKey: key }),
    ).toThrow(/tableEncryptionKey needs a stack with an explicit region/);
  });
});

describe('the stack from context', () => {
  it('keeps an existing table named by its stream, with its key', () => {
    const stream =
      'arn:aws:dynamodb:eu-central-1:111122223333:table/watch-v1/stream/2026-01-01T00:00:00.000';
    const { app, template } = synthesize({
      tableStreamArn: stream,
      tableKeyArn: 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: stream });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TABLE_NAME: 'watch-v1' }) },
    });
    expect(JSON.stringify(template.toJSON())).toContain(
      'arn:aws:dynamodb:eu-central-1:111122223333:table/watch-v1/index/*',
    );
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('uses an existing bus by name, archiving and granting on it', () => {
    const { template } = synthesize({ eventBusName: 'payments' });
    template.resourceCountIs('AWS::Events::EventBus', 0);
    const busArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':events:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':event-bus/payments',
        ],
      ],
    };
    template.hasResourceProperties('AWS::Events::Archive', { SourceArn: busArn });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: 'events:PutEvents', Effect: 'Allow', Resource: busArn },
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: 'payments' }) },
    });
  });

  it('sends every alarm’s ALARM and OK to the alarm topic', () => {
    const topic = 'arn:aws:sns:eu-west-1:123456789012:ops';
    const { template } = synthesize({ alarmTopicArn: topic });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(14);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topic]);
      expect(alarm.Properties.OKActions).toEqual([topic]);
    }
  });

  it('applies rate, statuses, log level and throttling', () => {
    const { template } = synthesize({
      pollRate: '5',
      pendingStatuses: 'waiting,pending',
      logLevel: 'DEBUG',
      apiRateLimit: '10',
      apiBurstLimit: '20',
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Target: Match.objectLike({
        RetryPolicy: Match.objectLike({ MaximumEventAgeInSeconds: 300 }),
      }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          PENDING_STATUSES: 'waiting,pending',
          POWERTOOLS_LOG_LEVEL: 'DEBUG',
        }),
      },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
  });

  it('is environment-agnostic (no account or region baked in)', () => {
    const { stack } = createStack();
    expect(Token.isUnresolved(stack.account)).toBe(true);
    expect(Token.isUnresolved(stack.region)).toBe(true);
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
  });
});

describe('two watches in one stack (one per OneEntry project)', () => {
  function twoProjects() {
    const app = testApp();
    const stack = new Stack(app, 'Shops');
    const bus = new EventBus(stack, 'SharedBus');
    const first = new PaymentSessionWatch(stack, 'ShopA', {
      oneEntryUrl: 'https://shop-a.oneentry.cloud',
      eventBus: bus,
      eventSource: 'shop-a.payments',
    });
    const second = new PaymentSessionWatch(stack, 'ShopB', {
      oneEntryUrl: 'https://shop-b.oneentry.cloud',
      eventBus: bus,
      eventSource: 'shop-b.payments',
    });
    return { app, stack, first, second };
  }

  it('keep separate tables, secrets and metric namespaces, and share a bus', () => {
    const { stack, first, second } = twoProjects();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 2);
    template.resourceCountIs('AWS::SecretsManager::Secret', 4);
    template.resourceCountIs('AWS::Events::EventBus', 1);
    expect(first.metricNamespace).not.toBe(second.metricNamespace);
    const namespaces = new Set(
      Object.values(template.findResources('AWS::CloudWatch::Alarm'))
        .map((alarm) => alarm.Properties.Namespace)
        .filter((namespace) => typeof namespace === 'string' && namespace.startsWith('Payment')),
    );
    expect(namespaces).toEqual(new Set([first.metricNamespace, second.metricNamespace]));
    expect(first.metricAuthFailures().namespace).toBe(first.metricNamespace);
  });

  it('pass cdk-nag', () => {
    const { app } = twoProjects();
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('props for real deployments', () => {
  function watchWith(props: Partial<ConstructorParameters<typeof PaymentSessionWatch>[2]>) {
    const app = testApp();
    const stack = new Stack(app, 'Tuned');
    const watch = new PaymentSessionWatch(stack, 'Watch', {
      oneEntryUrl: 'https://shop.oneentry.cloud',
      ...props,
    });
    return { stack, watch, template: Template.fromStack(stack) };
  }

  it('passes every tuning setting to the functions that read it', () => {
    const { template } = watchWith({
      pollTimeMargin: Duration.seconds(20),
      circuitMinCalls: 5,
      circuitFailureRatio: 0.8,
      oneEntryTimeout: Duration.seconds(3),
      oneEntryMaxAttempts: 2,
      publishMaxAttempts: 6,
      publisherBatchSize: 50,
      publisherRetryAttempts: 3,
      pollerMemorySize: 1024,
      pollerTimeout: Duration.minutes(5),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({
          POLL_TIME_MARGIN_MS: '20000',
          CIRCUIT_MIN_CALLS: '5',
          CIRCUIT_FAILURE_RATIO: '0.8',
          ONEENTRY_TIMEOUT_MS: '3000',
          ONEENTRY_MAX_ATTEMPTS: '2',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PUBLISH_MAX_ATTEMPTS: '6' }) },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 50,
      MaximumRetryAttempts: 3,
    });
  });

  it('retains table and logs by default, and destroys them when asked', () => {
    const kept = watchWith({}).template;
    kept.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })],
      }),
    });
    const sandbox = watchWith({ removalPolicy: RemovalPolicy.DESTROY }).template;
    sandbox.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
      }),
    });
    for (const group of Object.values(sandbox.findResources('AWS::Logs::LogGroup'))) {
      expect(group.DeletionPolicy).toBe('Delete');
    }
  });

  describe('an existing table', () => {
    const STREAM =
      'arn:aws:dynamodb:eu-central-1:111122223333:table/watch-v1/stream/2026-01-01T00:00:00.000';
    function existingTable(stack: Stack, attributes: Partial<TableAttributesV2> = {}) {
      const encryptionKey = Key.fromKeyArn(
        stack,
        'TableKey',
        'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      );
      return TableV2.fromTableAttributes(stack, 'Existing', {
        tableName: 'watch-v1',
        tableStreamArn: STREAM,
        encryptionKey,
        ...attributes,
      });
    }

    it('is used, with its stream and key, and no table is created', () => {
      const app = testApp();
      const stack = new Stack(app, 'Upgraded');
      const table = existingTable(stack);
      const watch = new PaymentSessionWatch(stack, 'Watch', { oneEntryUrl: URL_, table });
      const template = Template.fromStack(stack);
      expect(watch.table).toBe(table);
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
      template.resourceCountIs('AWS::DynamoDB::Table', 0);
      const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter(
        (fn) => fn.Properties.Environment?.Variables?.TABLE_NAME,
      );
      expect(functions.length).toBeGreaterThanOrEqual(4);
      for (const fn of functions) {
        expect(fn.Properties.Environment.Variables.TABLE_NAME).toBe('watch-v1');
      }
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: STREAM });
      // Whatever indexes the import declared, every function may query this layout's indexes.
      const policies = Object.values(template.findResources('AWS::IAM::Policy'));
      const queriesIndexes = policies.filter((policy) =>
        JSON.stringify(policy).includes(':table/watch-v1/index/*'),
      );
      expect(queriesIndexes.length).toBeGreaterThanOrEqual(4);
      // The key encrypts the items: writers may use it.
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(['kms:Decrypt']),
              Resource: Match.stringLikeRegexp('^arn:aws:kms:'),
            }),
          ]),
        },
      });
      const report = new AwsSolutionsChecks().validateScope(app);
      expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    });

    it('is refused without its stream, which the publisher reads', () => {
      const stack = bareStack();
      const table = existingTable(stack, { tableStreamArn: undefined });
      expect(() => new PaymentSessionWatch(stack, 'Watch', { oneEntryUrl: URL_, table })).toThrow(
        /table must be passed with its tableStreamArn/,
      );
    });

    it('is refused with tableEncryptionKey, which only a new table takes', () => {
      const stack = bareStack();
      const table = existingTable(stack);
      const tableEncryptionKey = new Key(stack, 'Key', { enableKeyRotation: true });
      expect(
        () =>
          new PaymentSessionWatch(stack, 'Watch', { oneEntryUrl: URL_, table, tableEncryptionKey }),
      ).toThrow(/tableEncryptionKey applies to a new table only/);
    });
  });

  it('uses existing secrets instead of creating its own', () => {
    const app = testApp();
    const stack = new Stack(app, 'Imported');
    const oneEntrySecret = Secret.fromSecretNameV2(stack, 'OneEntry', 'shop/oneentry');
    const webhookSecret = Secret.fromSecretNameV2(stack, 'Hooks', 'shop/webhooks');
    const watch = new PaymentSessionWatch(stack, 'Watch', {
      oneEntryUrl: 'https://shop.oneentry.cloud',
      oneEntrySecret,
      webhookSecret,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(watch.oneEntrySecret).toBe(oneEntrySecret);
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it.each([
    [{ circuitFailureRatio: 0 }, /circuitFailureRatio/],
    [{ oneEntryMaxAttempts: 11 }, /oneEntryMaxAttempts/],
    [{ publisherBatchSize: 0 }, /publisherBatchSize/],
    [{ pollerTimeout: Duration.minutes(20) }, /pollerTimeout/],
    [{ pollTimeMargin: Duration.minutes(3) }, /pollerTimeout/],
  ])('refuses %o', (props, message) => {
    expect(() => watchWith(props)).toThrow(message);
  });
});
