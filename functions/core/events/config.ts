/** Configuration of the publisher function, read with `readConfig` from `core/config`. */
import { z } from 'zod';
import { eventConfigSchema } from '../config';

export const publisherConfigSchema = eventConfigSchema.extend({
  /** PutEvents attempts per event within one invocation, the first included. Default 4. */
  PUBLISH_MAX_ATTEMPTS: z.coerce.number().int().positive().max(10).default(4),
  /** Endpoint override (a local EventBridge stand-in). Default: the AWS regional endpoint. */
  EVENTBRIDGE_ENDPOINT: z.url().optional(),
  /**
   * Queue that records which can never be published (invalid, too large) are sent to at once,
   * with the reason; the stack sets it to the on-failure queue. Default: none (Lambda retries
   * them, then sends their batch there).
   */
  PUBLISHER_FAILURE_QUEUE_URL: z.url().optional(),
  /** Local runtime only: a JSON-lines file instead of the queue. */
  PUBLISHER_FAILURE_FILE: z.string().min(1).optional(),
});

export type PublisherConfig = z.output<typeof publisherConfigSchema>;
