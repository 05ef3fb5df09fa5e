/**
 * `GET /health` of the local runtime: a set of named checks, each asked afresh on every
 * request. 200 when all pass, 503 naming each failing part and why. A new part is one more
 * entry in the `checks` record given to {@link healthHandler}.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { jsonAnswer } from '../../functions/core/http-answers';

/** A part's state: `failing` fails the whole report; any other status (with details) does not. */
export type CheckResult =
  | { status: 'failing'; reason: string; [detail: string]: unknown }
  | { status: string; reason?: string; [detail: string]: unknown };

/** Resolves with the part's state; a rejection counts as failing with its message. */
export type HealthCheck = () => Promise<CheckResult>;

export interface HealthReport {
  status: 'ok' | 'failing';
  checks: Record<string, CheckResult>;
}

/** How long one check may take before it counts as failing, in ms. */
export const CHECK_TIMEOUT_MS = 3000;

export const ok: CheckResult = { status: 'ok' };
export const failing = (reason: string): CheckResult => ({ status: 'failing', reason });

const reasonOf = (error: unknown) =>
  error instanceof Error
    ? (`${error.name}: ${error.message}`.split('\n')[0] ?? error.name)
    : String(error);

/** Runs every check at once, each bounded by {@link CHECK_TIMEOUT_MS}. */
export async function checkHealth(checks: Record<string, HealthCheck>): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<CheckResult>((resolve) => {
        timer = setTimeout(
          () => resolve(failing(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      });
      try {
        return [name, await Promise.race([check(), timeout])];
      } catch (error) {
        return [name, failing(reasonOf(error))];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const results = Object.fromEntries(entries);
  const status = entries.some(([, result]) => result.status === 'failing') ? 'failing' : 'ok';
  return { status, checks: results };
}

/** The route handler: the report plus `extra()` (e.g. the last poll), 503 when a check fails. */
export function healthHandler(
  checks: Record<string, HealthCheck>,
  extra: () => Record<string, unknown> = () => ({}),
): () => Promise<APIGatewayProxyResultV2> {
  return async () => {
    const report = await checkHealth(checks);
    return jsonAnswer(report.status === 'ok' ? 200 : 503, { ...report, ...extra() });
  };
}

/** DynamoDB Local answers for the table (and its process has not exited). */
export function dynamoDbCheck(options: {
  client: DynamoDBClient;
  tableName: string;
  endpoint: string;
  /** What to call it: `DynamoDB Local` when the run started it. */
  name: string;
  /** The process' exit code or signal, once it has exited. */
  exited: () => string | undefined;
}): HealthCheck {
  return async () => {
    const exited = options.exited();
    if (exited) return failing(`${options.name} has exited (${exited}); restart npm start`);
    try {
      await options.client.send(new DescribeTableCommand({ TableName: options.tableName }), {
        abortSignal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
      });
      return ok;
    } catch (error) {
      return failing(`${options.name} at ${options.endpoint} does not answer: ${reasonOf(error)}`);
    }
  };
}

/** Something answers HTTP at OneEntry's URL (any status: reachability, not authorization). */
export function reachableCheck(url: string): HealthCheck {
  return async () => {
    try {
      const response = await fetch(url, {
        method: 'HEAD',
        signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
      });
      await response.body?.cancel();
      return ok;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return failing(`${url} is unreachable${cause ? ` (${cause})` : `: ${reasonOf(error)}`}`);
    }
  };
}
