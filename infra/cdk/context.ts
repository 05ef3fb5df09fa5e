/**
 * The CDK context keys the app reads (`cdk.json` → `context`, or `cdk synth -c key=value`).
 * Values from `-c` arrive as strings, so numbers are coerced. An invalid value fails the
 * synth with the key's name.
 *
 * | key                          | meaning                                                | default               |
 * |------------------------------|--------------------------------------------------------|-----------------------|
 * | `stackName`                  | CloudFormation stack name                              | `PaymentSessionWatch` |
 * | `oneEntryUrl`                | OneEntry project URL (https)                           | required              |
 * | `oneEntryAuthProvider`       | auth provider marker for token refresh                 | `email`               |
 * | `pendingStatuses`            | comma-separated statuses meaning "not resolved yet"    | `waiting`             |
 * | `maxTrackingHours`           | hours before an unresolved order stops being tracked   | `24`                  |
 * | `pollConcurrency`            | upstream checks in flight per cycle (1–256)            | `16`                  |
 * | `pollRate`                   | minutes between poll cycles (whole, ≥ 1)               | `1`                   |
 * | `pollShards`                 | poller shards, each with its lease and schedule (1–64) | `1`                   |
 * | `fastPollSeconds`            | fast lane: young orders re-checked every N s (0: off)  | `0`                   |
 * | `oneEntryMaxRps`             | requests per second to OneEntry, whole deployment (0: no cap) | `20`           |
 * | `discoveryRate`              | minutes between discovery sweeps (whole; 0 turns off)  | `5`                   |
 * | `discoveryBackfillHours`     | first sweep adopts sessions created in the last N hours | `0`                  |
 * | `eventBusName`               | publish to this existing bus instead of a new one      | a new bus             |
 * | `tableStreamArn`             | keep this existing table (named by its stream's ARN)    | a new table           |
 * | `tableKeyArn`                | that table's customer-managed KMS key, if it has one   | none                  |
 * | `eventSource`                | `source` of the events (and the archive's pattern)     | `oneentry.payments`   |
 * | `archiveRetentionDays`       | days the event archive keeps events                    | `365`                 |
 * | `logLevel`                   | `DEBUG`, `INFO`, `WARN` or `ERROR`                     | `INFO`                |
 * | `logRetentionDays`           | log retention, a CloudWatch Logs value (1, 3, 5, 7, 14, 30, 60, 90, ...) | `30` |
 * | `apiRateLimit`               | HTTP API steady-state requests per second              | `50`                  |
 * | `apiBurstLimit`              | HTTP API burst                                         | `100`                 |
 * | `alarmTopicArn`              | SNS topic for alarm notifications                      | none                  |
 * | `upstreamFailureRateThreshold` | failed share of OneEntry calls that alarms (0–1)     | `0.2`                 |
 */
import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';
import { csvString, MAX_ONEENTRY_RPS } from '../../functions/core/config';
import { MAX_POLL_SHARDS } from '../../functions/core/due-layout';
import type { LogLevel } from './payment-session-watch';
import type { PaymentSessionWatchStackProps } from './stack';

const retentionValues = new Set<number>(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

/** A list given as an array (cdk.json) or a comma-separated string (`-c key=a,b`). */
const csv = z.union([z.array(z.string().min(1)).min(1), csvString]);

/** A table's stream ARN; the table's own ARN is its part before `/stream/`. */
const TABLE_STREAM_ARN = /^(arn:[\w-]+:dynamodb:[\w-]+:\d{12}:table\/[\w.-]+)\/stream\/\S+$/;

/** The ARN of the table whose stream `streamArn` is. */
export const tableArnOfStream = (streamArn: string): string =>
  streamArn.replace(TABLE_STREAM_ARN, '$1');

/** The context schema (see the table above). */
export const contextSchema = z
  .object({
    stackName: z.string().min(1).default('PaymentSessionWatch'),
    oneEntryUrl: z.url({ protocol: /^https$/ }),
    oneEntryAuthProvider: z.string().min(1).optional(),
    pendingStatuses: csv.optional(),
    maxTrackingHours: z.coerce.number().positive().optional(),
    pollConcurrency: z.coerce.number().int().min(1).max(256).optional(),
    pollRate: z.coerce.number().int().min(1).default(1),
    pollShards: z.coerce.number().int().min(1).max(MAX_POLL_SHARDS).optional(),
    oneEntryMaxRps: z.coerce.number().min(0).max(MAX_ONEENTRY_RPS).optional(),
    fastPollSeconds: z.coerce.number().int().min(0).optional(),
    discoveryRate: z.coerce.number().int().min(0).default(5),
    discoveryBackfillHours: z.coerce.number().min(0).optional(),
    eventBusName: z.string().min(1).optional(),
    tableStreamArn: z
      .string()
      .regex(TABLE_STREAM_ARN, 'must be a DynamoDB stream ARN (arn:…:table/<name>/stream/<label>)')
      .optional(),
    tableKeyArn: z.string().startsWith('arn:').optional(),
    eventSource: z.string().min(1).optional(),
    archiveRetentionDays: z.coerce.number().int().min(1).default(365),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR'] satisfies LogLevel[]).default('INFO'),
    logRetentionDays: z.coerce
      .number()
      .int()
      .refine((days) => retentionValues.has(days), 'must be a CloudWatch Logs retention value')
      .default(30),
    apiRateLimit: z.coerce.number().positive().default(50),
    apiBurstLimit: z.coerce.number().int().nonnegative().default(100),
    alarmTopicArn: z.string().startsWith('arn:').optional(),
    upstreamFailureRateThreshold: z.coerce.number().gt(0).lt(1).optional(),
  })
  .refine((context) => context.tableKeyArn === undefined || context.tableStreamArn !== undefined, {
    path: ['tableKeyArn'],
    message: 'is the key of the table named by tableStreamArn: give both',
  });

export type AppContext = z.output<typeof contextSchema>;

/** Reads and validates the context keys of {@link contextSchema} from `node`. */
export function readContext(node: Node): AppContext {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(contextSchema.shape)) {
    const value = node.tryGetContext(key);
    // `-c key=` (empty) counts as unset, like empty environment variables in the functions.
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const result = contextSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.');
    return raw[key] === undefined
      ? `context '${key}' is required: add -c ${key}=${EXAMPLES[key] ?? '…'}`
      : `context '${key}': ${issue.message}`;
  });
  throw new InvalidContextError(problems);
}

/** What a missing required key's error shows as an example value. */
const EXAMPLES: Record<string, string> = {
  oneEntryUrl: 'https://your-project.oneentry.cloud',
};

/** The CDK context is missing a key or has an invalid value; says which, in one line each. */
export class InvalidContextError extends Error {
  override readonly name = 'InvalidContextError';
  constructor(readonly problems: string[]) {
    super(`Invalid CDK context: ${problems.join('; ')}`);
  }
}

/** The stack's properties, from the context of `node`. */
export function stackPropsFromContext(node: Node): PaymentSessionWatchStackProps {
  const context = readContext(node);
  return {
    stackName: context.stackName,
    description: 'OneEntry payment-session watch: poller, signed webhook, history API, events',
    eventBusName: context.eventBusName,
    alarmTopicArn: context.alarmTopicArn,
    tableStreamArn: context.tableStreamArn,
    tableKeyArn: context.tableKeyArn,
    watch: {
      oneEntryUrl: context.oneEntryUrl,
      oneEntryAuthProvider: context.oneEntryAuthProvider,
      pendingStatuses: context.pendingStatuses,
      maxTrackingHours: context.maxTrackingHours,
      pollConcurrency: context.pollConcurrency,
      pollRate: Duration.minutes(context.pollRate),
      pollShards: context.pollShards,
      oneEntryMaxRps: context.oneEntryMaxRps,
      fastPollSeconds: context.fastPollSeconds,
      discoveryRate: Duration.minutes(context.discoveryRate),
      discoveryBackfillHours: context.discoveryBackfillHours,
      eventSource: context.eventSource,
      archiveRetention: Duration.days(context.archiveRetentionDays),
      logLevel: context.logLevel,
      logRetention: context.logRetentionDays as RetentionDays,
      apiThrottle: { rateLimit: context.apiRateLimit, burstLimit: context.apiBurstLimit },
      upstreamFailureRateThreshold: context.upstreamFailureRateThreshold,
    },
  };
}
