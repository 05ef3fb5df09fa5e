/**
 * The JSON Schema of the event detail, generated from the zod contract. `generate-schema.ts`
 * writes it to `payment-session-event.schema.json`; a test fails when that file is stale.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { paymentSessionEventDetailSchema } from './contract';

/** Where the committed schema lives (beside this module). */
export const SCHEMA_FILE = fileURLToPath(
  new URL('./payment-session-event.schema.json', import.meta.url),
);

/**
 * Generated for `io: 'input'`: what the contract accepts, so unknown (later-added) properties
 * stay valid for subscribers' validators instead of `additionalProperties: false`.
 */
export function paymentSessionEventJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(paymentSessionEventDetailSchema, { io: 'input', target: 'draft-2020-12' });
}

/** The file's exact text: stable key order, two-space indent, trailing newline. */
export function renderPaymentSessionEventSchema(): string {
  return `${JSON.stringify(paymentSessionEventJsonSchema(), null, 2)}\n`;
}
