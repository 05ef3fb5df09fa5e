import { Duration } from 'aws-cdk-lib';
import { FUNCTION_TIMEOUT_SECONDS, type FunctionName } from './function-defaults';

/** The deployed function's timeout, as the CDK takes it. */
export const functionTimeout = (name: FunctionName): Duration =>
  Duration.seconds(FUNCTION_TIMEOUT_SECONDS[name]);
