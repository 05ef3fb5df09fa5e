import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES } from '../../functions/core/routes';

/** Path of the webhook route. */
export const WEBHOOK_PATH = ROUTES.webhook.path;
/** Path of the history route. */
export const HISTORY_PATH = ROUTES.history.path;
/** Paths of the audit listings (orders by state or stuck; transitions in a range). */
export const LISTING_PATHS = [ROUTES.orders.path, ROUTES.transitions.path] as const;

/** Properties of {@link WatchApi}. */
export interface WatchApiProps {
  /** Handles `POST /webhooks/payment-sessions`. */
  readonly webhook: IFunction;

  /** Handles `GET /orders/{orderId}` and the listings `GET /orders` and `GET /transitions`. */
  readonly history: IFunction;

  /** Handles `DELETE /orders/{orderId}` (stops tracking an order by hand). */
  readonly untrack: IFunction;

  /**
   * Request-rate limit of the stage, for every route.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: ThrottleSettings;

  /**
   * How long access logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: RetentionDays;

  /**
   * What happens to the access logs when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly accessLogRemovalPolicy?: RemovalPolicy;
}

/**
 * The HTTP API: the public webhook (authenticated by its signature, in the handler), and the
 * IAM-authorized history and stop-tracking routes, on one throttled, access-logged `$default`
 * stage.
 */
export class WatchApi extends Construct {
  /** The API. */
  readonly httpApi: HttpApi;
  /** Its one stage. */
  readonly stage: HttpStage;
  /** Base URL, ending in `/`. */
  readonly url: string;
  /** Full URL of the webhook route. */
  readonly webhookUrl: string;
  /** The `execute-api:Invoke` ARN of the history route, for IAM policies of its callers. */
  readonly historyInvokeArn: string;
  /** The `execute-api:Invoke` ARNs of the audit listings (`GET /orders`, `GET /transitions`). */
  readonly listingInvokeArns: string[];
  /** The `execute-api:Invoke` ARN of `DELETE /orders/{orderId}`, for IAM policies of its callers. */
  readonly untrackInvokeArn: string;

  constructor(scope: Construct, id: string, props: WatchApiProps) {
    super(scope, id);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'payment-session-watch: OneEntry webhook and order history',
      // The default stage cannot be throttled or access-logged; this construct makes its own.
      createDefaultStage: false,
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.accessLogRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      // The webhook is public: this caps what an unauthenticated caller can make us spend.
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            caller: '$context.identity.userArn',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationError: '$context.integrationErrorMessage',
            error: '$context.error.message',
          }),
        ),
      },
    });
    this.url = this.stage.url;
    this.webhookUrl = `${this.url.replace(/\/$/, '')}${WEBHOOK_PATH}`;

    for (const route of this.httpApi.addRoutes({
      path: WEBHOOK_PATH,
      methods: [HttpMethod[ROUTES.webhook.method]],
      integration: new HttpLambdaIntegration('WebhookIntegration', props.webhook),
    })) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'The shop backend cannot sign AWS requests: the webhook handler authenticates every request by its Standard Webhooks signature (HMAC over id, timestamp and body, within a replay window) before acting on it.',
      });
    }

    this.historyInvokeArn = this.httpApi.arnForExecuteApi(
      HttpMethod.GET,
      HISTORY_PATH.replace('{orderId}', '*'),
      this.stage.stageName,
    );
    this.listingInvokeArns = LISTING_PATHS.map((path) =>
      this.httpApi.arnForExecuteApi(HttpMethod.GET, path, this.stage.stageName),
    );
    this.untrackInvokeArn = this.httpApi.arnForExecuteApi(
      HttpMethod[ROUTES.untrack.method],
      ROUTES.untrack.path.replace('{orderId}', '*'),
      this.stage.stageName,
    );
    const history = new HttpLambdaIntegration('HistoryIntegration', props.history);
    const untrack = new HttpLambdaIntegration('UntrackIntegration', props.untrack);
    const authorizer = new HttpIamAuthorizer();
    for (const [route, integration] of [
      [ROUTES.history, history],
      [ROUTES.orders, history],
      [ROUTES.transitions, history],
      [ROUTES.untrack, untrack],
    ] as const) {
      this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer,
      });
    }
  }

  /**
   * Lets `grantee` read the audit trail: the history route (`GET /orders/{orderId}`) and the
   * listings (`GET /orders`, `GET /transitions`), and nothing else.
   */
  grantInvokeHistory(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.historyInvokeArn, ...this.listingInvokeArns],
    });
  }

  /**
   * Lets `grantee` stop tracking orders (`DELETE /orders/{orderId}`), and nothing else: reading
   * the audit trail is {@link grantInvokeHistory}.
   */
  grantInvokeUntrack(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.untrackInvokeArn],
    });
  }
}
