import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpApiEvent } from '../support/apigw';
import { type Harness, startHarness } from './harness';
import { signedHeaders } from './signing';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('webhook-property');
});
afterAll(() => h.close());

const headerName = fc.oneof(
  fc.constantFrom(
    'webhook-id',
    'webhook-timestamp',
    'webhook-signature',
    'Webhook-Signature',
    'content-type',
    'content-length',
  ),
  fc.string({ minLength: 1, maxLength: 20 }),
);
const headerValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('v1,', 'v1,AAAA', 'application/json', '0', '-1', '99999999999999999999'),
  fc.integer({ min: 0, max: 4_000_000_000 }).map(String),
);
const body = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 500 }),
  fc.json(),
  fc.jsonValue().map((value) => JSON.stringify({ orderId: value })),
);
const method = fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'PATCH', 'HEAD', 'post');

describe('arbitrary input', () => {
  it('never gets a 5xx, and writes nothing when unsigned', async () => {
    const before = await h.table.scanAll();
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(headerName, headerValue, { maxKeys: 8 }),
        body,
        method,
        fc.boolean(),
        async (headers, text, verb, isBase64Encoded) => {
          const event = httpApiEvent({
            method: verb,
            headers,
            lowerCaseHeaders: false,
            body: text,
          });
          const answer = await h.invoke({ ...event, isBase64Encoded });
          expect(answer.statusCode).toBeLessThan(500);
          expect([400, 401, 405, 413, 415]).toContain(answer.statusCode);
        },
      ),
      { numRuns: 300 },
    );
    expect(await h.table.scanAll()).toEqual(before);
  });

  it('signed, never gets a 5xx', async () => {
    const orderId = fc.oneof(fc.integer({ min: 1, max: 10_000 }), fc.jsonValue(), fc.double());
    const payload = fc.oneof(
      fc.record(
        { orderId, event: fc.option(fc.jsonValue(), { nil: undefined }) },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    );
    await fc.assert(
      fc.asyncProperty(
        payload,
        fc.constantFrom('application/json', 'text/plain', 'application/cloudevents+json'),
        async (value, contentType) => {
          const text = JSON.stringify(value) ?? '';
          const answer = await h.invoke(
            httpApiEvent({ headers: signedHeaders(h.secret, text, { contentType }), body: text }),
          );
          expect(answer.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
  });
});
