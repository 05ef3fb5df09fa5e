/**
 * Building on the watch's events: the rule helpers, HTTPS subscribers and the schema registry.
 * Each helper's pattern is checked against events the publisher actually emits.
 */
import { SecretValue } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Authorization } from 'aws-cdk-lib/aws-events';
import { beforeAll, describe, expect, it } from 'vitest';
import { EventPublisher } from '../../functions/core/events/publisher';
import { toEventDetail } from '../../functions/core/events/records';
import { paymentSessionEventRegistrySchema } from '../../functions/core/events/schema';
import type { HistoryEntry } from '../../functions/core/model';
import { observe, orderEndEntry } from '../../functions/core/transitions';
import type { DeliveredEvent } from '../../infra/local/put-events';
import { type EventPattern, matchesPattern } from '../support/event-pattern';
import { startEventBridgeEndpoint } from '../support/eventbridge-endpoint';
import { paymentSession, statuses } from '../support/payment-sessions';
import { createStack } from './synth';

const order = {
  orderId: 91,
  state: 'tracking' as const,
  trackedSince: '2025-03-01T10:00:00.000Z',
  version: 1,
  sessions: {},
};

/** One event per status, and one per end of tracking, as the publisher puts them on the bus. */
let emitted: Record<
  'completed' | 'cancelled' | 'waiting' | 'expired' | 'untracked',
  DeliveredEvent
>;

beforeAll(async () => {
  const endpoint = await startEventBridgeEndpoint();
  try {
    const publisher = new EventPublisher({ client: endpoint.client() });
    const names = ['completed', 'cancelled', 'waiting'] as const;
    const ends = (['expired', 'untracked'] as const).map((kind) =>
      orderEndEntry(order, { kind, pending: () => true }, '2025-03-02T10:00:00.000Z'),
    );
    await publisher.publish(
      [
        ...names.map(
          (status) =>
            observe(order, [paymentSession(91, 910, status)], '2025-03-01T10:05:00Z', statuses)
              .transitions[0] as HistoryEntry,
        ),
        ...ends,
      ].map(toEventDetail),
    );
    const [completed, cancelled, waiting, expired, untracked] =
      endpoint.delivered as DeliveredEvent[];
    emitted = {
      completed: completed!,
      cancelled: cancelled!,
      waiting: waiting!,
      expired: expired!,
      untracked: untracked!,
    };
  } finally {
    await endpoint.close();
  }
});

function rulePatterns(template: Template): Record<string, EventPattern> {
  const rules = template.findResources('AWS::Events::Rule');
  return Object.fromEntries(
    Object.entries(rules).map(([id, rule]) => [id, rule.Properties.EventPattern as EventPattern]),
  );
}

const matches = (pattern: EventPattern | undefined, event: DeliveredEvent) =>
  matchesPattern(pattern ?? {}, event as unknown as Record<string, unknown>);

describe('rule helpers', () => {
  it('onSessionResolved matches resolved sessions, filtered by status, on the watch bus', () => {
    const { stack } = createStack();
    stack.watch.onSessionResolved('AllResolved');
    stack.watch.onSessionResolved('Paid', { statuses: ['completed'] });
    const template = Template.fromStack(stack);
    const patterns = Object.entries(rulePatterns(template));
    const all = patterns.find(([id]) => id.includes('AllResolved'))?.[1];
    const paid = patterns.find(([id]) => id.includes('Paid'))?.[1];
    expect(matches(all, emitted.completed)).toBe(true);
    expect(matches(all, emitted.cancelled)).toBe(true);
    expect(matches(all, emitted.waiting)).toBe(false);
    expect(matches(paid, emitted.completed)).toBe(true);
    expect(matches(paid, emitted.cancelled)).toBe(false);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('EventBus') },
      EventPattern: Match.objectLike({ detail: { status: ['completed'] } }),
    });
  });

  it('onStatusChanged matches sessions still pending, and not resolved ones', () => {
    const { stack } = createStack();
    stack.watch.onStatusChanged('Pending');
    const [pattern] = Object.values(rulePatterns(Template.fromStack(stack)));
    expect(matches(pattern, emitted.waiting)).toBe(true);
    expect(matches(pattern, emitted.completed)).toBe(false);
  });

  it('onTrackingExpired and onTrackingStopped each match their own end of tracking only', () => {
    const { stack } = createStack();
    stack.watch.onTrackingExpired('Expired');
    stack.watch.onTrackingStopped('Stopped');
    const patterns = Object.entries(rulePatterns(Template.fromStack(stack)));
    const expired = patterns.find(([id]) => id.includes('Expired'))?.[1];
    const stopped = patterns.find(([id]) => id.includes('Stopped'))?.[1];
    expect(matches(stopped, emitted.untracked)).toBe(true);
    expect(matches(stopped, emitted.expired)).toBe(false);
    expect(matches(stopped, emitted.completed)).toBe(false);
    expect(matches(expired, emitted.expired)).toBe(true);
    expect(matches(expired, emitted.untracked)).toBe(false);
  });

  it('follows a custom event source', () => {
    const { stack } = createStack({ eventSource: 'shop.payments' });
    stack.watch.onSessionResolved('Resolved');
    const [pattern] = Object.values(rulePatterns(Template.fromStack(stack)));
    expect(pattern).toMatchObject({ source: ['shop.payments'] });
    expect(matches(pattern, emitted.completed)).toBe(false); // emitted with the default source
  });
});

describe('HTTPS subscribers', () => {
  function withSubscriber() {
    const { app, stack } = createStack();
    const subscriber = stack.watch.addHttpsSubscriber('Erp', {
      url: 'https://erp.example.com/hooks/payments',
      authorization: Authorization.apiKey('x-api-key', SecretValue.secretsManager('erp-api-key')),
      statuses: ['completed', 'canceled'],
      rateLimitPerSecond: 5,
    });
    return { app, stack, subscriber, template: Template.fromStack(stack) };
  }

  it('posts matching events to the endpoint through an API destination with its credentials', () => {
    const { template } = withSubscriber();
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
    });
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: 'https://erp.example.com/hooks/payments',
      HttpMethod: 'POST',
      InvocationRateLimitPerSecond: 5,
    });
    const [pattern] = Object.values(rulePatterns(template));
    expect(matches(pattern, emitted.completed)).toBe(true);
    expect(matches(pattern, emitted.waiting)).toBe(false);
  });

  it('retries for a day, then dead-letters into an encrypted queue that is alarmed', () => {
    const { template, subscriber, stack } = withSubscriber();
    const queueId = stack.resolve(
      (subscriber.deadLetterQueue.node.defaultChild as never as { logicalId: string }).logicalId,
    );
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
        }),
      ],
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
    });
  });

  it('refuses a plain-http endpoint', () => {
    const { stack } = createStack();
    expect(() =>
      stack.watch.addHttpsSubscriber('Plain', {
        url: 'http://erp.example.com',
        authorization: Authorization.basic('u', SecretValue.secretsManager('p')),
      }),
    ).toThrow(/https/);
  });

  it('keeps cdk-nag clean', () => {
    const { app, stack } = withSubscriber();
    app.synth();
    const errors = Annotations.fromStack(stack).findError(
      '*',
      Match.stringLikeRegexp('AwsSolutions'),
    );
    expect(errors.map((error) => error.entry.data)).toEqual([]);
  });
});

describe('schema registry', () => {
  it('registers the event contract, generated from the same definitions as the JSON Schema', () => {
    const { stack } = createStack();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    const [schema] = Object.values(template.findResources('AWS::EventSchemas::Schema'));
    expect(schema?.Properties.Type).toBe('JSONSchemaDraft4');
    expect(JSON.parse(schema?.Properties.Content)).toEqual(paymentSessionEventRegistrySchema());
    const detail = JSON.parse(schema?.Properties.Content).properties.detail;
    expect(detail.oneOf.map((variant: { title: string }) => variant.title)).toEqual([
      emitted.waiting['detail-type'],
      emitted.completed['detail-type'],
      emitted.expired['detail-type'],
      emitted.untracked['detail-type'],
    ]);
    expect(emitted.untracked['detail-type']).toBe('Payment Session Tracking Stopped');
  });
});
