/** Configuration of the publisher function, read with `readConfig` from `core/config`. */
import { z } from 'zod';
import { eventConfigSchema } from '../config';

export const publisherConfigSchema = eventConfigSchema.extend({
  /** PutEvents attempts per event within one invocation, the first included. Default 4. */
  PUBLISH_MAX_ATTEMPTS: z.coerce.number().int().positive().max(10).default(4),
  /** Endpoint override (a local EventBridge stand-in). Default: the AWS regional endpoint. */
  EVENTBRIDGE_ENDPOINT: z.url().optional(),
});

export type PublisherConfig = z.output<typeof publisherConfigSchema>;
