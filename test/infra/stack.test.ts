import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLACEHOLDER_APP_TOKEN } from '../../functions/core/credentials';
import { SERVICE_NAME } from '../../functions/core/observability';
import { createTableInput } from '../../functions/core/table';
import { HISTORY_PATH, LISTING_PATHS, WEBHOOK_PATH } from '../../infra/cdk/payment-session-watch';
import { getAtt, ref, type Synthesized, synthesize } from './synth';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON; the assertions check its shape.
type Resource = { Type: string; Properties: Record<string, any> };

let synth: Synthesized;
let template: Template;
/** Logical ids of the things the assertions talk about. */
let id: {
  table: string;
  bus: string;
  oneEntrySecret: string;
  webhookSecret: string;
  scheduleDlq: string;
  publisherDlq: string;
  poller: string;
  webhook: string;
  history: string;
  untrack: string;
  publisher: string;
  discovery: string;
  discoveryDlq: string;
  api: string;
};

const dimension = (name: string, value: unknown) => ({ Name: name, Value: value });

beforeAll(() => {
  synth = synthesize();
  template = synth.template;
  const { watch } = synth.stack;
  const { logicalId } = synth;
  id = {
    table: logicalId(watch.table),
    bus: logicalId(watch.eventBus),
    oneEntrySecret: logicalId(watch.oneEntrySecret),
    webhookSecret: logicalId(watch.webhookSecret),
    scheduleDlq: logicalId(watch.scheduleDeadLetterQueue),
    publisherDlq: logicalId(watch.publisherDeadLetterQueue),
    poller: logicalId(watch.functions.poller),
    webhook: logicalId(watch.functions.webhook),
    history: logicalId(watch.functions.history),
    untrack: logicalId(watch.functions.untrack),
    publisher: logicalId(watch.functions.publisher),
    discovery: logicalId(watch.functions.discovery!),
    discoveryDlq: logicalId(watch.discoveryDeadLetterQueue!),
    api: logicalId(watch.api.httpApi),
  };
});

const resources = (type: string) => template.findResources(type) as Record<string, Resource>;
const functionNamed = (logicalId: string) => {
  const fn = resources('AWS::Lambda::Function')[logicalId];
  if (!fn) throw new Error(`no function ${logicalId}`);
  return fn;
};
const actionsOf = (statement: Statement) => [statement.Action].flat();
const resourcesOf = (statement: Statement) => [statement.Resource].flat();

/** Every statement of the identity policies attached to a function's role. */
function statementsOf(functionId: string): Statement[] {
  const roleId = functionNamed(functionId).Properties.Role['Fn::GetAtt'][0];
  return Object.values(resources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as unknown[]).some(
        (role) => JSON.stringify(role) === JSON.stringify(ref(roleId)),
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

/** The actions a function may perform on exactly `resource`. */
function actionsOn(functionId: string, resource: unknown): string[] {
  const wanted = JSON.stringify(resource);
  return statementsOf(functionId)
    .filter((s) => s.Effect === 'Allow' && resourcesOf(s).some((r) => JSON.stringify(r) === wanted))
    .flatMap(actionsOf)
    .sort();
}

const allActions = (functionId: string) => statementsOf(functionId).flatMap(actionsOf);
const tableIndexes = () => ({ 'Fn::Join': ['', [getAtt(id.table), '/index/*']] });

describe('functions', () => {
  it('are exactly the six handlers, each Node.js 24 on arm64', () => {
    const functions = Object.values(resources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(6);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Handler).toBe('index.handler');
    }
  });

  it('share the Powertools and runtime configuration', () => {
    for (const fn of [id.poller, id.webhook, id.history, id.publisher]) {
      expect(functionNamed(fn).Properties.Environment.Variables).toMatchObject({
        TABLE_NAME: ref(id.table),
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: synth.stack.watch.metricNamespace,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
  });

  it('give poller and webhook the OneEntry settings, the secret only by ARN', () => {
    const oneEntry = {
      ONEENTRY_URL: 'https://your-project.oneentry.cloud',
      ONEENTRY_SECRET_ARN: ref(id.oneEntrySecret),
      ONEENTRY_AUTH_PROVIDER: 'email',
      PENDING_STATUSES: 'waiting',
      MAX_TRACKING_HOURS: '24',
    };
    expect(functionNamed(id.poller).Properties.Environment.Variables).toMatchObject({
      ...oneEntry,
      POLL_CONCURRENCY: '16',
    });
    expect(functionNamed(id.webhook).Properties.Environment.Variables).toMatchObject({
      ...oneEntry,
      WEBHOOK_SECRET_ARN: ref(id.webhookSecret),
    });
    for (const fn of [id.history, id.publisher]) {
      expect(Object.keys(functionNamed(fn).Properties.Environment.Variables)).not.toContain(
        'ONEENTRY_SECRET_ARN',
      );
    }
  });

  it('give the publisher its bus and source', () => {
    expect(functionNamed(id.publisher).Properties.Environment.Variables).toMatchObject({
      EVENT_BUS_NAME: ref(id.bus),
      EVENT_SOURCE: 'oneentry.payments',
    });
  });

  it('size the poller for a cycle and do not retry a failed one', () => {
    expect(functionNamed(id.poller).Properties).toMatchObject({ Timeout: 120, MemorySize: 512 });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(id.poller),
      MaximumRetryAttempts: 0,
    });
  });

  it('keep the webhook under the HTTP API integration timeout (30 s)', () => {
    expect(functionNamed(id.webhook).Properties.Timeout).toBeLessThan(30);
  });

  it('log to their own log group, with retention', () => {
    const logGroups = resources('AWS::Logs::LogGroup');
    for (const fn of [id.poller, id.webhook, id.history, id.publisher]) {
      const logGroupId = functionNamed(fn).Properties.LoggingConfig.LogGroup.Ref;
      expect(logGroups[logGroupId]?.Properties.RetentionInDays).toBe(30);
      expect(actionsOn(fn, getAtt(logGroupId))).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ]);
    }
    for (const logGroup of Object.values(logGroups)) {
      expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
    }
  });
});

describe('table', () => {
  it('is on demand, recoverable, protected, retained and encrypted', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        // TableV2 sets these per replica; the stack's region is the only one.
        Replicas: [
          Match.objectLike({
            Region: { Ref: 'AWS::Region' },
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      }),
    });
  });

  it('matches createTableInput() (keys, index, stream), the local and test table', () => {
    const expected = createTableInput('any');
    const table = resources('AWS::DynamoDB::GlobalTable')[id.table]?.Properties ?? {};
    const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) =>
      String(a.AttributeName).localeCompare(String(b.AttributeName));
    expect(table.BillingMode).toBe(expected.BillingMode);
    expect(table.KeySchema).toEqual(expected.KeySchema);
    expect([...table.AttributeDefinitions].sort(byName)).toEqual(
      [...(expected.AttributeDefinitions ?? [])].sort(byName),
    );
    expect(table.GlobalSecondaryIndexes).toEqual(
      expected.GlobalSecondaryIndexes?.map((index) => ({
        IndexName: index.IndexName,
        KeySchema: index.KeySchema,
        Projection: index.Projection,
      })),
    );
    expect(table.StreamSpecification.StreamViewType).toBe(
      expected.StreamSpecification?.StreamViewType,
    );
  });
});

describe('IAM', () => {
  /**
   * Actions that AWS only authorizes on `*` (no resource-level permissions), each with the
   * reason it is granted. Nothing else may name `*` as its resource.
   */
  const MAY_USE_ANY_RESOURCE: Record<string, string> = {
    'dynamodb:ListStreams':
      'DynamoEventSource (Table.grantStreamRead) grants it for the stream poller; it has no resource-level permissions.',
  };

  it('has no wildcard action and no `*` resource outside the documented exceptions', () => {
    const policies = Object.entries(resources('AWS::IAM::Policy'));
    expect(policies.length).toBeGreaterThan(0);
    for (const [policyId, policy] of policies) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
        for (const action of actionsOf(statement)) {
          expect(action, policyId).not.toBe('*');
          expect(action, policyId).not.toMatch(/:\*$/);
        }
        if (resourcesOf(statement).includes('*')) {
          for (const action of actionsOf(statement)) {
            expect(Object.keys(MAY_USE_ANY_RESOURCE), `${policyId} ${action} on *`).toContain(
              action,
            );
          }
        }
      }
    }
  });

  it('attaches no managed policies and no inline role policies', () => {
    for (const role of Object.values(resources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
    }
  });

  it('lets the poller and webhook read and write the table and its index', () => {
    for (const fn of [id.poller, id.webhook]) {
      for (const resource of [getAtt(id.table), tableIndexes()]) {
        expect(actionsOn(fn, resource)).toEqual(
          expect.arrayContaining([
            'dynamodb:GetItem',
            'dynamodb:Query',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
            'dynamodb:ConditionCheckItem',
          ]),
        );
      }
    }
  });

  it('lets the poller and webhook only read the OneEntry secret: tokens rotate in the table', () => {
    for (const fn of [id.poller, id.webhook]) {
      expect(actionsOn(fn, ref(id.oneEntrySecret))).toEqual([
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ]);
    }
  });

  it('creates the OneEntry secret with a placeholder the functions report as not configured', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ appToken: PLACEHOLDER_APP_TOKEN }),
        GenerateStringKey: 'placeholder',
      },
    });
  });

  it('lets only the webhook read the webhook secret, read-only', () => {
    expect(actionsOn(id.webhook, ref(id.webhookSecret))).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    for (const fn of [id.poller, id.history, id.publisher]) {
      expect(actionsOn(fn, ref(id.webhookSecret))).toEqual([]);
    }
  });

  it('keeps the history function read-only', () => {
    const actions = allActions(id.history);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    for (const write of [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    ]) {
      expect(actions).not.toContain(write);
    }
    expect(actions.filter((a) => !a.startsWith('dynamodb:') && !a.startsWith('logs:'))).toEqual([]);
  });

  it('lets the untrack function read and write the table’s items, and nothing else', () => {
    const dynamo = statementsOf(id.untrack).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo).toHaveLength(1);
    expect(resourcesOf(dynamo[0]!)).toEqual([getAtt(id.table)]);
    expect(actionsOn(id.untrack, getAtt(id.table))).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(actionsOn(id.untrack, tableIndexes())).toEqual([]);
    expect(
      allActions(id.untrack).filter((a) => !a.startsWith('dynamodb:') && !a.startsWith('logs:')),
    ).toEqual([]);
    expect(Object.keys(functionNamed(id.untrack).Properties.Environment.Variables)).not.toContain(
      'ONEENTRY_SECRET_ARN',
    );
  });

  it('lets the publisher read the stream, put events on its bus and dead-letter, nothing else', () => {
    // TableV2 also names ListStreams on the stream, where IAM ignores it (granted on * below).
    expect(actionsOn(id.publisher, getAtt(id.table, 'StreamArn'))).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
    ]);
    expect(actionsOn(id.publisher, getAtt(id.bus))).toEqual(['events:PutEvents']);
    expect(actionsOn(id.publisher, getAtt(id.publisherDlq))).toContain('sqs:SendMessage');
    expect(actionsOn(id.publisher, getAtt(id.table))).toEqual([]);
    expect(actionsOn(id.publisher, '*')).toEqual(['dynamodb:ListStreams']);
  });

  it('gives no function events, secrets or table rights it does not use', () => {
    for (const fn of [id.poller, id.webhook, id.history]) {
      expect(allActions(fn).filter((a) => a.startsWith('events:'))).toEqual([]);
    }
    expect(allActions(id.publisher).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
  });
});

describe('schedule', () => {
  it('starts the poller at the default rate, retries and dead-letters', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: getAtt(id.poller),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        DeadLetterConfig: { Arn: getAtt(id.scheduleDlq) },
      }),
    });
  });

  it('runs under a role only this account’s schedules can assume, allowed to invoke poller and discovery', () => {
    const schedule = Object.values(resources('AWS::Scheduler::Schedule')).find(
      (candidate) =>
        JSON.stringify(candidate.Properties.Target.Arn) === JSON.stringify(getAtt(id.poller)),
    );
    const roleId = schedule?.Properties.Target.RoleArn['Fn::GetAtt'][0];
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [ref(roleId)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'lambda:InvokeFunction' }),
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Resource: Match.arrayWith([getAtt(id.discoveryDlq), getAtt(id.scheduleDlq)]),
          }),
        ]),
      },
    });
  });
});

describe('discovery', () => {
  it('sweeps every 5 minutes from its own schedule, with its own dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Target: Match.objectLike({
        Arn: getAtt(id.discovery),
        DeadLetterConfig: { Arn: getAtt(id.discoveryDlq) },
      }),
    });
  });

  it('gets the OneEntry settings and the table, and only reads the OneEntry secret', () => {
    expect(functionNamed(id.discovery).Properties.Environment.Variables).toMatchObject({
      ONEENTRY_SECRET_ARN: ref(id.oneEntrySecret),
      DISCOVERY_BACKFILL_HOURS: '0',
    });
    expect(actionsOn(id.discovery, ref(id.oneEntrySecret))).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(actionsOn(id.discovery, ref(id.webhookSecret))).toEqual([]);
  });

  it('alarms on its errors, its dead letters and a truncated list', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DiscoveryTruncated',
      AlarmDescription: Match.stringLikeRegexp("read permission 'all' on payment sessions"),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [dimension('FunctionName', ref(id.discovery))],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [dimension('QueueName', getAtt(id.discoveryDlq, 'QueueName'))],
    });
  });

  it('starts each of pollShards shards from its own schedule naming the shard, every function placing orders by the same layout', () => {
    const sharded = synthesize({ pollShards: '3', discoveryRate: '0' }).template;
    const schedules = Object.values(sharded.findResources('AWS::Scheduler::Schedule'));
    expect(schedules.map((schedule) => JSON.parse(schedule.Properties.Target.Input))).toEqual([
      { shard: 0 },
      { shard: 1 },
      { shard: 2 },
    ]);
    for (const schedule of schedules) {
      expect(schedule.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)' });
    }
    const functions = Object.values(sharded.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties.Environment?.Variables?.TABLE_NAME,
    );
    expect(functions.length).toBeGreaterThanOrEqual(4);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables.POLL_SHARDS).toBe('3');
    }
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({ Arn: getAtt(id.poller), Input: JSON.stringify({ shard: 0 }) }),
    });
  });

  it('gives every function that calls OneEntry the one upstream budget, 20 rps unless oneEntryMaxRps says otherwise', () => {
    const callers = (synthesized: typeof template) =>
      Object.values(synthesized.findResources('AWS::Lambda::Function')).filter(
        (fn) => fn.Properties.Environment?.Variables?.ONEENTRY_URL,
      );
    const byDefault = callers(template);
    expect(byDefault).toHaveLength(3); // poller, webhook, discovery
    for (const fn of byDefault) {
      expect(fn.Properties.Environment.Variables.ONEENTRY_MAX_RPS).toBe('20');
    }
    const tuned = callers(synthesize({ oneEntryMaxRps: '5' }).template);
    expect(tuned.map((fn) => fn.Properties.Environment.Variables.ONEENTRY_MAX_RPS)).toEqual([
      '5',
      '5',
      '5',
    ]);
  });

  it('runs the poller with the fast lane off by default, and every fastPollSeconds with its rate when set', () => {
    expect(functionNamed(id.poller).Properties.Environment.Variables).toMatchObject({
      FAST_POLL_SECONDS: '0',
      POLL_RATE_SECONDS: '60',
    });
    const fast = synthesize({ fastPollSeconds: '10' }).template;
    fast.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ FAST_POLL_SECONDS: '10', POLL_RATE_SECONDS: '60' }),
      },
    });
  });

  it('is left out entirely with discoveryRate 0, and takes its rate and backfill from context', () => {
    const off = synthesize({ discoveryRate: '0' }).template;
    expect(Object.values(off.findResources('AWS::Lambda::Function'))).toHaveLength(5);
    expect(Object.values(off.findResources('AWS::Scheduler::Schedule'))).toHaveLength(1);
    expect(Object.values(off.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(11);
    const tuned = synthesize({ discoveryRate: '15', discoveryBackfillHours: '6' }).template;
    tuned.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
    });
    tuned.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DISCOVERY_BACKFILL_HOURS: '6' }) },
    });
  });
});

describe('publisher event source', () => {
  it('reads only inserted history items, bisects, retries boundedly and dead-letters', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(id.publisher),
      EventSourceArn: getAtt(id.table, 'StreamArn'),
      StartingPosition: 'TRIM_HORIZON',
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT'],
              dynamodb: { NewImage: { entity: { S: ['history'] } } },
            }),
          },
        ],
      },
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: getAtt(id.publisherDlq) } },
    });
  });
});

describe('queues', () => {
  it('are encrypted, TLS-only and keep messages 14 days', () => {
    const queues = resources('AWS::SQS::Queue');
    expect(Object.keys(queues).sort()).toEqual(
      [id.publisherDlq, id.scheduleDlq, id.discoveryDlq].sort(),
    );
    for (const queue of Object.values(queues)) {
      expect(queue.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
    }
    for (const queueId of Object.keys(queues)) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(queueId)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });
});

describe('events', () => {
  it('go to a new bus, archived by source', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: getAtt(id.bus),
      EventPattern: { source: ['oneentry.payments'] },
      RetentionDays: 365,
    });
  });
});

describe('HTTP API', () => {
  it('routes the public webhook, and the history, audit listings and untrack behind IAM', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: `POST ${WEBHOOK_PATH}`,
      AuthorizationType: 'NONE',
    });
    for (const path of [HISTORY_PATH, ...LISTING_PATHS]) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `GET ${path}`,
        AuthorizationType: 'AWS_IAM',
      });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: `DELETE ${HISTORY_PATH}`,
      AuthorizationType: 'AWS_IAM',
    });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 5);
  });

  it('sends DELETE /orders/{orderId} to the untrack function, never to the read-only history', () => {
    const integrations = resources('AWS::ApiGatewayV2::Integration');
    const route = Object.values(resources('AWS::ApiGatewayV2::Route')).find(
      (r) => r.Properties.RouteKey === `DELETE ${HISTORY_PATH}`,
    );
    const target = JSON.stringify(route?.Properties.Target);
    const [integrationId] = Object.keys(integrations).filter((key) => target.includes(key));
    expect(integrations[integrationId!]?.Properties.IntegrationUri).toEqual(getAtt(id.untrack));
  });

  it('integrates each route with its function', () => {
    for (const fn of [id.webhook, id.history, id.untrack]) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: getAtt(fn),
        PayloadFormatVersion: '2.0',
      });
    }
  });

  it('throttles and access-logs its one stage', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    const stage = Object.values(resources('AWS::ApiGatewayV2::Stage'))[0]?.Properties;
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    const logGroupId = stage?.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
    expect(resources('AWS::Logs::LogGroup')[logGroupId]?.Properties.RetentionInDays).toBe(30);
    expect(JSON.parse(stage?.AccessLogSettings.Format)).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      routeKey: '$context.routeKey',
    });
  });
});

describe('secrets', () => {
  it('are created with generated placeholders, never a value', () => {
    const secrets = resources('AWS::SecretsManager::Secret');
    expect(Object.keys(secrets).sort()).toEqual([id.oneEntrySecret, id.webhookSecret].sort());
    for (const secret of Object.values(secrets)) {
      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.Properties.GenerateSecretString).toBeDefined();
    }
    expect(JSON.stringify(template.toJSON())).not.toContain('whsec_');
  });

  it('are referenced by ARN only, never resolved into the template', () => {
    expect(JSON.stringify(template.toJSON())).not.toMatch(/resolve:secretsmanager/);
  });
});

describe('alarms', () => {
  const alarms = () => Object.values(resources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);

  it('watch each function’s errors', () => {
    for (const fn of [id.poller, id.webhook, id.history, id.untrack, id.publisher]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [dimension('FunctionName', ref(fn))],
        Statistic: 'Sum',
      });
    }
  });

  it('watch the upstream failure rate as UpstreamFailures / UpstreamCalls', () => {
    const rate = alarms().find((a) =>
      a.Metrics?.some((m: { Expression?: string }) => m.Expression?.includes('failures / calls')),
    );
    expect(rate).toBeDefined();
    const stats = rate?.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat);
    expect(
      stats.map((m: { Id: string; MetricStat: { Metric: unknown } }) => [
        m.Id,
        m.MetricStat.Metric,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [
          'failures',
          {
            Namespace: synth.stack.watch.metricNamespace,
            MetricName: 'UpstreamFailures',
            Dimensions: [dimension('service', SERVICE_NAME)],
          },
        ],
        [
          'calls',
          {
            Namespace: synth.stack.watch.metricNamespace,
            MetricName: 'UpstreamCalls',
            Dimensions: [dimension('service', SERVICE_NAME)],
          },
        ],
      ]),
    );
    expect(rate?.Threshold).toBe(0.2);
    expect(rate?.ComparisonOperator).toBe('GreaterThanThreshold');
  });

  it('watch OneEntry sign-in failures, and say what to do', () => {
    const auth = alarms().find((a) => a.MetricName === 'AuthFailures');
    expect(auth).toMatchObject({
      Namespace: synth.stack.watch.metricNamespace,
      Threshold: 1,
      Statistic: 'Sum',
    });
    expect(auth?.AlarmDescription).toContain('npm run login');
  });

  it('watch the publisher’s iterator age', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [dimension('FunctionName', ref(id.publisher))],
      Statistic: 'Maximum',
      Threshold: 300_000,
    });
  });

  it('watch each dead-letter queue’s depth', () => {
    for (const queue of [id.scheduleDlq, id.publisherDlq]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [dimension('QueueName', getAtt(queue, 'QueueName'))],
        Threshold: 1,
      });
    }
  });

  it('tell the operator, in the publisher dead-letter alarm, to npm run republish -- --from-dlq', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [dimension('QueueName', getAtt(id.publisherDlq, 'QueueName'))],
      AlarmDescription: Match.stringLikeRegexp('npm run republish -- --from-dlq'),
    });
  });

  it('watch the API’s 5xx responses', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [dimension('ApiId', ref(id.api))],
      Statistic: 'Sum',
    });
  });

  it('are fourteen, none with actions unless a topic is given, missing data not breaching', () => {
    expect(alarms()).toHaveLength(14);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions).toBeUndefined();
      expect(alarm.TreatMissingData).toBe('notBreaching');
      expect(alarm.AlarmDescription).toBeTruthy();
    }
  });

  it('come with a dashboard of the flow', () => {
    const dashboard = Object.values(resources('AWS::CloudWatch::Dashboard'))[0];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const metric of [
      'OrdersChecked',
      'Transitions',
      'SessionsResolved',
      'UpstreamFailures',
      'EventsPublished',
      'IteratorAge',
      'ApproximateNumberOfMessagesVisible',
    ]) {
      expect(body).toContain(metric);
    }
  });
});

describe('outputs', () => {
  it('name what an operator needs', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'ApiUrl',
        'DashboardName',
        'EventBusName',
        'HistoryInvokeArn',
        'HistoryUrl',
        'ListingInvokeArns',
        'OneEntrySecretArn',
        'PublisherDeadLetterQueueUrl',
        'TableName',
        'UntrackInvokeArn',
        'WebhookSecretArn',
        'WebhookUrl',
      ].sort(),
    );
    expect(outputs.TableName?.Value).toEqual(ref(id.table));
    expect(outputs.EventBusName?.Value).toEqual(ref(id.bus));
    expect(outputs.OneEntrySecretArn?.Value).toEqual(ref(id.oneEntrySecret));
    expect(outputs.WebhookSecretArn?.Value).toEqual(ref(id.webhookSecret));
    expect(outputs.PublisherDeadLetterQueueUrl?.Value).toEqual(ref(id.publisherDlq));
    expect(JSON.stringify(outputs.WebhookUrl?.Value)).toContain(`/webhooks/payment-sessions"`);
    expect(JSON.stringify(outputs.ListingInvokeArns?.Value)).toContain('/GET/transitions');
    expect(JSON.stringify(outputs.UntrackInvokeArn?.Value)).toContain('/DELETE/orders/*');
  });
});
