/**
 * Delivers the watch's events to an HTTPS endpoint outside AWS, through an EventBridge API
 * destination: the connection keeps the credentials (in Secrets Manager, managed by
 * EventBridge), the rule filters by the event contract, failures are retried for up to a day
 * and then kept in a dead-letter queue that is alarmed.
 */
import { Duration } from 'aws-cdk-lib';
import {
  ApiDestination,
  type Authorization,
  Connection,
  HttpMethod,
  type IEventBus,
  Rule,
} from 'aws-cdk-lib/aws-events';
import { ApiDestination as ApiDestinationTarget } from 'aws-cdk-lib/aws-events-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DETAIL_TYPE,
  type PaymentSessionDetailType,
  paymentSessionEventPattern,
} from '../../functions/core/events/contract';
import { InvalidWatchPropsError } from './props';
import { deadLetterQueue } from './resources';

export interface HttpsSubscriberOptions {
  /** The endpoint events are POSTed to (https). */
  readonly url: string;
  /**
   * How EventBridge authenticates to it: `Authorization.apiKey(...)`, `.basic(...)` or
   * `.oauth(...)`, with the secret values from Secrets Manager (`SecretValue.secretsManager`).
   */
  readonly authorization: Authorization;
  /**
   * Only events whose `detail.status` is one of these.
   * @default - every status
   */
  readonly statuses?: string[];
  /**
   * Only these kinds of event.
   * @default - all three: status changed, resolved, tracking expired
   */
  readonly detailTypes?: PaymentSessionDetailType[];
  /**
   * Most requests per second EventBridge sends to the endpoint.
   * @default 10
   */
  readonly rateLimitPerSecond?: number;
  /**
   * How long EventBridge keeps retrying an event the endpoint refuses or cannot take.
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;
}

export interface HttpsSubscriberProps extends HttpsSubscriberOptions {
  readonly eventBus: IEventBus;
  readonly eventSource: string;
}

/** EventBridge's own ceiling for a target's retries. */
const MAX_RETRY_ATTEMPTS = 185;

export class HttpsSubscriber extends Construct {
  /** Holds the endpoint's credentials (EventBridge keeps them in Secrets Manager). */
  readonly connection: Connection;
  readonly apiDestination: ApiDestination;
  readonly rule: Rule;
  /** Events the endpoint never took, after every retry. */
  readonly deadLetterQueue: IQueue;

  constructor(scope: Construct, id: string, props: HttpsSubscriberProps) {
    super(scope, id);
    if (!/^https:\/\//.test(props.url)) {
      throw new InvalidWatchPropsError(
        `addHttpsSubscriber: url must be https://, got '${props.url}'`,
      );
    }
    this.connection = new Connection(this, 'Connection', {
      authorization: props.authorization,
      description: `Credentials for ${props.url}`,
    });
    this.apiDestination = new ApiDestination(this, 'Destination', {
      connection: this.connection,
      endpoint: props.url,
      httpMethod: HttpMethod.POST,
      rateLimitPerSecond: props.rateLimitPerSecond ?? 10,
    });
    const queue = deadLetterQueue(this, 'DeadLetterQueue', `the events delivered to ${props.url}`);
    this.deadLetterQueue = queue;
    this.rule = new Rule(this, 'Rule', {
      eventBus: props.eventBus,
      description: `Payment-session events to ${props.url}`,
      eventPattern: toRulePattern(
        paymentSessionEventPattern({
          source: props.eventSource,
          detailTypes: props.detailTypes ?? Object.values(DETAIL_TYPE),
          statuses: props.statuses,
        }),
      ),
      targets: [
        new ApiDestinationTarget(this.apiDestination, {
          deadLetterQueue: queue,
          retryAttempts: MAX_RETRY_ATTEMPTS,
          maxEventAge: props.maxEventAge ?? Duration.hours(24),
        }),
      ],
    });
  }
}

/** The contract's JSON pattern in the shape `events.EventPattern` spells it. */
export function toRulePattern(pattern: ReturnType<typeof paymentSessionEventPattern>) {
  return {
    source: pattern.source,
    detailType: pattern['detail-type'],
    ...(pattern.detail ? { detail: pattern.detail } : {}),
  };
}
