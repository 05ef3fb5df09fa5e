import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bundlingOptions, HANDLER_ENTRIES, type HandlerName, PROJECT_ROOT } from './bundling';

/** Properties of a {@link WatchFunction}. */
export interface WatchFunctionProps {
  /** Which handler under `functions/` this function runs. */
  readonly handler: HandlerName;

  /** What the function does, shown in the Lambda console. */
  readonly description: string;

  /** Environment variables, on top of `NODE_OPTIONS`. */
  readonly environment: Record<string, string>;

  /**
   * Maximum run time of one invocation.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;

  /**
   * Memory, in MiB (CPU scales with it).
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * How long the function's logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;

  /**
   * Retries of a failed asynchronous invocation (the scheduled poller). Ignored for
   * synchronous and event-source invocations.
   * @default 2 (the Lambda default)
   */
  readonly retryAttempts?: number;

  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN (logs are part of the audit trail)
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A handler of this project as a Lambda function: Node.js 24 on ARM, bundled locally with the
 * shared esbuild options, with its own role and its own log group.
 *
 * The role starts empty: instead of the `AWSLambdaBasicExecutionRole` managed policy (which
 * may write to any log group) it may only write to this function's log group. Everything else
 * is added by the caller through grant methods.
 */
export class WatchFunction extends Construct {
  /** The function. */
  readonly function: NodejsFunction;
  /** Where its logs go. */
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: WatchFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      // Logs outlive a deleted stack by default, like the table: they are part of the audit trail.
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.handler} function`,
    });
    this.logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, HANDLER_ENTRIES[props.handler]),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      description: props.description,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 256,
      role,
      logGroup: this.logGroup,
      retryAttempts: props.retryAttempts,
      bundling: bundlingOptions(),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });
  }
}
