/**
 * Settings of the local runtime. The product's own variables (`ONEENTRY_*`, `PENDING_STATUSES`,
 * ...) mean the same here as in Lambda; these exist only locally.
 */
import { z } from 'zod';
import { readConfig, tableConfigSchema } from '../../functions/core/config';
import { DEFAULT_DATA_DIR } from './runtime-file';

export const localSettingsSchema = z.object({
  /** Port of the local HTTP API on 127.0.0.1. Default 3000. */
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  /** Where DynamoDB Local's data, the event log and the local secrets live. Default `.data`. */
  DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
  /** Seconds between poller invocations (EventBridge Scheduler's rate in AWS). Default 10. */
  POLL_INTERVAL_SECONDS: z.coerce.number().positive().max(3600).default(10),
  /** Seconds between discovery sweeps (`discoveryRate` in AWS); 0 turns discovery off. Default 60. */
  DISCOVERY_INTERVAL_SECONDS: z.coerce.number().min(0).max(86_400).default(60),
  /** Scales the demo's timeline (0.2: five times faster). Default 1: the first minute as shown. */
  DEMO_PACE: z.coerce.number().positive().max(10).default(1),
  /**
   * `DYNAMODB_ENDPOINT`, read as the functions read it. Set, `npm start` uses the DynamoDB there
   * (one you run, such as DynamoDB Local in Docker) instead of starting its own in `DATA_DIR`.
   */
  DYNAMODB_ENDPOINT: tableConfigSchema.shape.DYNAMODB_ENDPOINT,
});

export type LocalSettings = z.output<typeof localSettingsSchema>;

export const readLocalSettings = (env: Record<string, string | undefined> = process.env) =>
  readConfig(localSettingsSchema, env);
