/**
 * Configuration, read once from the environment and validated. The same variables configure
 * the Lambda functions and the local runtime. A missing or invalid value throws a
 * `ConfigError` that names it, so start-up fails loudly instead of running half-configured.
 */
import { z } from 'zod';
import { MAX_POLL_SHARDS } from './due-layout';
import { ConfigError } from './errors';

/** A comma-separated list; blanks around items and empty items are dropped. */
export const csvString = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  )
  .pipe(z.array(z.string()).min(1, 'must name at least one value'));

const positiveInt = z.coerce.number().int().positive();

/** Highest `ONEENTRY_MAX_RPS` / `oneEntryMaxRps` accepted. */
export const MAX_ONEENTRY_RPS = 10_000;

/** Where the table is. */
export const tableConfigSchema = z.object({
  /** Name of the DynamoDB table. Required. */
  TABLE_NAME: z.string().min(1),
  /** Endpoint override, for DynamoDB Local. Default: the AWS regional endpoint. */
  DYNAMODB_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
});

/**
 * How to reach OneEntry. Credentials come either from these variables or, in AWS, from the
 * Secrets Manager secret named by `ONEENTRY_SECRET_ARN` (see `credentials.ts`).
 */
export const oneEntryConfigSchema = z.object({
  /** Project URL, e.g. `https://my-project.oneentry.cloud`. Required. */
  // http for the simulator and local tests; the stack itself only takes https.
  ONEENTRY_URL: z.url({ protocol: /^https?$/ }),
  /** Request timeout per attempt, in milliseconds. Default 5000. */
  ONEENTRY_TIMEOUT_MS: positiveInt.default(5000),
  /** Attempts per request, the first included, for retryable failures. Default 4. */
  ONEENTRY_MAX_ATTEMPTS: positiveInt.max(10).default(4),
  /** Requests per second the whole deployment sends to OneEntry (see `oneentry/budget.ts`); 0: no cap. Default 20. */
  ONEENTRY_MAX_RPS: z.coerce.number().min(0).max(MAX_ONEENTRY_RPS).default(20),
  /** Marker of the auth provider used for sign-in and token refresh. Default `email`. */
  ONEENTRY_AUTH_PROVIDER: z.string().min(1).default('email'),
  /**
   * The auth form's field markers for the login and the password, comma-separated.
   * Default `login,password`.
   */
  ONEENTRY_LOGIN_FIELDS: csvString
    .pipe(z.tuple([z.string(), z.string()], { error: 'must name two markers: login,password' }))
    .default(['login', 'password']),
  /**
   * The deployment's device id (fingerprint `UQ_<id>`), to pin it. Default: one made once and
   * kept in the table's credential state.
   */
  ONEENTRY_DEVICE_ID: z
    .string()
    .regex(/^[\w-]{8,128}$/, 'must be 8 to 128 letters, digits, _ or -')
    .optional(),
  /** Refresh proactively once the refresh token is this many hours old. Default 24. */
  ONEENTRY_REFRESH_EVERY_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 365)
    .default(24),
});

/** How the poller behaves. */
export const trackerConfigSchema = z.object({
  /** Statuses that mean "not resolved yet". Any other status resolves a session. Default `waiting`. */
  PENDING_STATUSES: csvString.default(['waiting']),
  /** Hours after which an order that has not resolved stops being tracked. Default 24. */
  MAX_TRACKING_HOURS: z.coerce.number().positive().default(24),
  /** Upstream checks in flight at once. Default 16. */
  POLL_CONCURRENCY: positiveInt.max(256).default(16),
  /** Lambda time kept for the end of a poll cycle, in ms: at this much left, checks in flight are cancelled. Default 10000. */
  POLL_TIME_MARGIN_MS: positiveInt.default(10_000),
  /** Calls a cycle makes before it may judge the upstream down. Default 10. */
  CIRCUIT_MIN_CALLS: positiveInt.default(10),
  /** Failure ratio over which the cycle stops early. Default 0.5. */
  CIRCUIT_FAILURE_RATIO: z.coerce.number().gt(0).lte(1).default(0.5),
  /** Poller shards: the due index's layout (see `due-layout.ts`); the same value for every function. Default 1. */
  POLL_SHARDS: positiveInt.max(MAX_POLL_SHARDS).default(1),
  /** The fast lane: re-check the young band every N seconds until the next cycle; 0 turns it off. Default 0. */
  FAST_POLL_SECONDS: z.coerce.number().int().min(0).max(3600).default(0),
  /** Seconds between cycle starts (Scheduler's rate; set by the stack and the local runtime). Default 60. */
  POLL_RATE_SECONDS: z.coerce.number().positive().max(86_400).default(60),
});

/** How the discovery sweep reads OneEntry's sessions list. */
export const discoveryConfigSchema = z.object({
  /** Sessions per list request. Default 100. */
  DISCOVERY_PAGE_SIZE: positiveInt.max(1000).default(100),
  /** On the first sweep, adopt sessions created in the last N hours. Default 0: none. */
  DISCOVERY_BACKFILL_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 90)
    .default(0),
});

/** What the events carry. */
export const eventConfigSchema = z.object({
  /** The `source` of every event. Default `oneentry.payments`. */
  EVENT_SOURCE: z.string().min(1).default('oneentry.payments'),
  /** EventBridge bus to publish to. Default `default`. */
  EVENT_BUS_NAME: z.string().min(1).default('default'),
});

export type TableConfig = z.output<typeof tableConfigSchema>;
export type OneEntryConfig = z.output<typeof oneEntryConfigSchema>;
export type TrackerConfig = z.output<typeof trackerConfigSchema>;
export type EventConfig = z.output<typeof eventConfigSchema>;
export type DiscoveryConfig = z.output<typeof discoveryConfigSchema>;

/**
 * Parses `env` with `schema`. Empty strings count as unset, so `FOO=` in a `.env` file falls
 * back to the default rather than failing validation.
 */
export function readConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.output<S> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const value = cleaned[String(issue.path[0])];
      return value === undefined ? `${name} is required` : `${name}: ${issue.message}`;
    }),
  );
}
