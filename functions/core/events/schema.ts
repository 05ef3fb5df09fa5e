/**
 * The JSON Schema of the event detail, generated from the zod contract. `generate-schema.ts`
 * writes it to `payment-session-event.schema.json`; a test fails when that file is stale.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DETAIL_TYPE, paymentSessionEventDetailSchema } from './contract';

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

/**
 * The whole event (EventBridge envelope and detail) as JSON Schema draft 4, the form the
 * EventBridge schema registry takes and generates code bindings from.
 */
export function paymentSessionEventRegistrySchema(): Record<string, unknown> {
  const { $schema: _ignored, ...detail } = z.toJSONSchema(paymentSessionEventDetailSchema, {
    io: 'input',
    target: 'draft-4',
  });
  const text = { type: 'string' };
  return {
    $schema: 'http://json-schema.org/draft-04/schema#',
    title: 'PaymentSessionEvent',
    description: 'An event payment-session-watch publishes to EventBridge.',
    type: 'object',
    required: ['detail-type', 'source', 'detail'],
    properties: {
      version: text,
      id: text,
      'detail-type': { type: 'string', enum: Object.values(DETAIL_TYPE) },
      source: text,
      account: text,
      time: { type: 'string', format: 'date-time' },
      region: text,
      resources: { type: 'array', items: text },
      detail,
    },
  };
}
