import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../functions/core/webhook/raw-body';
import { httpApiEvent } from '../support/apigw';
import { type Harness, newOrderId, startHarness } from './harness';
import { newSecret, newWebhookId, signedHeaders } from './signing';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('webhook-rejections');
});
afterAll(() => h.close());

const UNAUTHORIZED = { type: 'about:blank', title: 'Unauthorized', status: 401 };
const MINUTE = 60_000;

/** A signed POST with `headers` changed after signing (`undefined` removes one). */
function tampered(
  body: string,
  changes: Record<string, string | undefined>,
  options: { at?: Date; id?: string } = {},
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { ...signedHeaders(h.secret, body, options) };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return httpApiEvent({ headers, body });
}

const valid = () => JSON.stringify({ orderId: newOrderId(), event: 'session.created' });
const signed = (body: string, contentType?: string | null) =>
  httpApiEvent({ headers: signedHeaders(h.secret, body, { contentType }), body });
const signedBase64 = (bytes: Buffer) =>
  httpApiEvent({ headers: signedHeaders(h.secret, bytes), body: bytes });

interface BadRequest {
  name: string;
  event: () => APIGatewayProxyEventV2;
  status: number;
  /** For 400s: the invalid fields the problem must name. */
  pointers?: string[];
}

const signatureFailures: BadRequest[] = [
  {
    name: 'no signature headers at all',
    event: () => httpApiEvent({ headers: { 'content-type': 'application/json' }, body: valid() }),
    status: 401,
  },
  {
    name: 'webhook-signature missing',
    event: () => tampered(valid(), { 'webhook-signature': undefined }),
    status: 401,
  },
  {
    name: 'webhook-id missing',
    event: () => tampered(valid(), { 'webhook-id': undefined }),
    status: 401,
  },
  {
    name: 'webhook-timestamp missing',
    event: () => tampered(valid(), { 'webhook-timestamp': undefined }),
    status: 401,
  },
  {
    name: 'empty signature',
    event: () => tampered(valid(), { 'webhook-signature': '' }),
    status: 401,
  },
  {
    name: 'garbled signature',
    event: () => tampered(valid(), { 'webhook-signature': 'v1,%%%not-base64%%%' }),
    status: 401,
  },
  {
    name: 'scheme without a signature',
    event: () => tampered(valid(), { 'webhook-signature': 'v1,' }),
    status: 401,
  },
  {
    name: 'signed with a secret that is not ours',
    event: () => {
      const body = valid();
      return httpApiEvent({ headers: signedHeaders(newSecret(), body), body });
    },
    status: 401,
  },
  {
    name: 'signature of another body',
    event: () => {
      const body = valid();
      return httpApiEvent({ headers: signedHeaders(h.secret, valid()), body });
    },
    status: 401,
  },
  {
    name: 'signature of another webhook-id',
    event: () => tampered(valid(), { 'webhook-id': newWebhookId() }),
    status: 401,
  },
  {
    name: 'the valid signature under the v2 scheme only',
    event: () => {
      const body = valid();
      const headers = signedHeaders(h.secret, body);
      headers['webhook-signature'] = headers['webhook-signature']!.replace(/^v1,/, 'v2,');
      return httpApiEvent({ headers, body });
    },
    status: 401,
  },
  {
    name: 'timestamp 6 minutes old, correctly signed',
    event: () => signedAt(new Date(Date.now() - 6 * MINUTE)),
    status: 401,
  },
  {
    name: 'timestamp 6 minutes ahead, correctly signed',
    event: () => signedAt(new Date(Date.now() + 6 * MINUTE)),
    status: 401,
  },
  {
    name: 'timestamp moved after signing',
    event: () =>
      tampered(valid(), { 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 1) }),
    status: 401,
  },
  {
    name: 'non-numeric timestamp',
    event: () => tampered(valid(), { 'webhook-timestamp': 'yesterday' }),
    status: 401,
  },
  {
    name: 'timestamp with trailing junk (the library would parse its digits)',
    event: () => {
      const body = valid();
      const headers = signedHeaders(h.secret, body);
      headers['webhook-timestamp'] = `${headers['webhook-timestamp']}abc`;
      return httpApiEvent({ headers, body });
    },
    status: 401,
  },
  {
    name: 'webhook-id too long to be a key, correctly signed',
    event: () => {
      const body = valid();
      return httpApiEvent({
        headers: signedHeaders(h.secret, body, { id: 'x'.repeat(300) }),
        body,
      });
    },
    status: 401,
  },
  {
    name: 'unsigned body that is not JSON (signature comes first)',
    event: () => httpApiEvent({ headers: { 'content-type': 'application/json' }, body: '{nope' }),
    status: 401,
  },
  {
    name: 'unsigned body of the wrong content type (signature comes first)',
    event: () => httpApiEvent({ headers: { 'content-type': 'text/plain' }, body: 'hello' }),
    status: 401,
  },
];

function signedAt(at: Date): APIGatewayProxyEventV2 {
  const body = valid();
  return httpApiEvent({ headers: signedHeaders(h.secret, body, { at }), body });
}

const bodyFailures: BadRequest[] = [
  { name: 'invalid JSON', event: () => signed('{"orderId": 12'), status: 400 },
  { name: 'empty body', event: () => signed(''), status: 400 },
  { name: 'JSON array', event: () => signed('[{"orderId": 12}]'), status: 400, pointers: ['#'] },
  { name: 'JSON null', event: () => signed('null'), status: 400, pointers: ['#'] },
  { name: 'JSON string', event: () => signed('"12"'), status: 400, pointers: ['#'] },
  {
    name: 'orderId missing',
    event: () => signed('{"event":"x"}'),
    status: 400,
    pointers: ['#/orderId'],
  },
  { name: 'orderId 0', event: () => signed('{"orderId":0}'), status: 400, pointers: ['#/orderId'] },
  {
    name: 'orderId -1',
    event: () => signed('{"orderId":-1}'),
    status: 400,
    pointers: ['#/orderId'],
  },
  {
    name: 'orderId 1.5',
    event: () => signed('{"orderId":1.5}'),
    status: 400,
    pointers: ['#/orderId'],
  },
  {
    name: 'orderId "12"',
    event: () => signed('{"orderId":"12"}'),
    status: 400,
    pointers: ['#/orderId'],
  },
  {
    name: 'orderId null',
    event: () => signed('{"orderId":null}'),
    status: 400,
    pointers: ['#/orderId'],
  },
  {
    name: 'orderId beyond the safe integers',
    event: () => signed('{"orderId":9007199254740993}'),
    status: 400,
    pointers: ['#/orderId'],
  },
  {
    name: 'orderId 1e400',
    event: () => signed('{"orderId":1e400}'),
    status: 400,
    pointers: ['#/orderId'],
  },
  {
    name: 'event too long',
    event: () => signed(JSON.stringify({ orderId: 12, event: 'e'.repeat(101) })),
    status: 400,
    pointers: ['#/event'],
  },
  {
    name: 'event not a string',
    event: () => signed('{"orderId":12,"event":42}'),
    status: 400,
    pointers: ['#/event'],
  },
  {
    name: 'event empty',
    event: () => signed('{"orderId":12,"event":""}'),
    status: 400,
    pointers: ['#/event'],
  },
  {
    name: 'event with a control character',
    event: () => signed(JSON.stringify({ orderId: 12, event: 'paid\nok' })),
    status: 400,
    pointers: ['#/event'],
  },
  {
    name: 'both fields invalid',
    event: () => signed('{"orderId":"x","event":[]}'),
    status: 400,
    pointers: ['#/orderId', '#/event'],
  },
  {
    name: 'bytes that are not UTF-8, signed and base64-encoded',
    event: () => signedBase64(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
    status: 400,
  },
  {
    name: 'JSON nested 30000 deep',
    event: () => signed(`${'['.repeat(30_000)}${']'.repeat(30_000)}`),
    status: 400,
    pointers: ['#'],
  },
];

const otherFailures: BadRequest[] = [
  { name: 'content-type text/plain', event: () => signed(valid(), 'text/plain'), status: 415 },
  { name: 'content-type missing', event: () => signed(valid(), null), status: 415 },
  {
    name: 'form content type',
    event: () => signed(valid(), 'application/x-www-form-urlencoded'),
    status: 415,
  },
  {
    name: 'JSON in latin1',
    event: () => signed(valid(), 'application/json; charset=iso-8859-1'),
    status: 415,
  },
  {
    name: 'signed body one byte over 64 KiB',
    event: () =>
      signed(
        JSON.stringify({ orderId: 12, pad: 'x'.repeat(MAX_BODY_BYTES) }).slice(
          0,
          MAX_BODY_BYTES + 1,
        ),
      ),
    status: 413,
  },
  {
    name: 'signed base64 body over 64 KiB once decoded',
    event: () => signedBase64(Buffer.alloc(MAX_BODY_BYTES + 1, 0x20)),
    status: 413,
  },
  {
    name: 'unsigned 1 MiB body',
    event: () =>
      httpApiEvent({ headers: { 'content-type': 'application/json' }, body: 'x'.repeat(1 << 20) }),
    status: 413,
  },
  {
    name: '64 KiB of multi-byte characters (over in bytes, not in characters)',
    event: () => signed(JSON.stringify({ orderId: 12, pad: 'é'.repeat(MAX_BODY_BYTES / 2) })),
    status: 413,
  },
  {
    name: 'base64 flag with garbage',
    event: () => ({ ...signed(valid()), body: '!!! not base64 !!!', isBase64Encoded: true }),
    status: 400,
  },
  { name: 'GET', event: () => httpApiEvent({ ...getLike('GET') }), status: 405 },
  {
    name: 'PUT, correctly signed',
    event: () => ({ ...signed(valid()), ...method('PUT') }),
    status: 405,
  },
  { name: 'DELETE', event: () => httpApiEvent(getLike('DELETE')), status: 405 },
  { name: 'OPTIONS (no CORS here)', event: () => httpApiEvent(getLike('OPTIONS')), status: 405 },
  {
    name: 'lower-case post',
    event: () => ({ ...signed(valid()), ...method('post') }),
    status: 405,
  },
];

function getLike(verb: string) {
  return { method: verb, headers: { 'content-type': 'application/json' } };
}

function method(verb: string): Pick<APIGatewayProxyEventV2, 'requestContext'> {
  const event = httpApiEvent({ method: verb });
  return { requestContext: event.requestContext };
}

const all = [...signatureFailures, ...bodyFailures, ...otherFailures];

describe('a refused request', () => {
  it('is covered by a table of at least 30 cases', () => {
    expect(all.length).toBeGreaterThanOrEqual(30);
  });

  it.each(all)('$name → $status, nothing written', async ({ event, status, pointers }) => {
    const before = await h.table.scanAll();
    const answer = await h.invoke(event());
    expect(answer.statusCode).toBe(status);
    expect(await h.table.scanAll()).toEqual(before);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.json).toMatchObject({ status });
    if (status === 401) expect(answer.json).toEqual(UNAUTHORIZED);
    if (status === 405) expect(answer.headers.allow).toBe('POST');
    if (pointers) {
      const errors = (answer.json as { errors: { pointer: string }[] }).errors;
      expect(errors.map((error) => error.pointer)).toEqual(pointers);
    }
    expect(answer.body).not.toMatch(/at .+\.(ts|js):\d+/); // no stack trace
  });
});

describe('a refusal', () => {
  it('never echoes what was sent', async () => {
    const canary = 'CANARY-7f3a9';
    const bodies = [
      `{"orderId": "${canary}"}`,
      `{"orderId": 12, "event": "${canary.repeat(20)}"}`,
      `{"orderId": ${canary}}`,
      `["${canary}"]`,
    ];
    for (const body of bodies) {
      const answer = await h.invoke(signed(body));
      expect(answer.statusCode).toBe(400);
      expect(answer.body).not.toContain(canary);
    }
  });

  it('of a body follows RFC 9457 and names the field', async () => {
    const answer = await h.invoke(signed('{"orderId": -3, "extra": "ignored"}'));
    expect(answer.json).toEqual({
      type: 'tag:payment-session-watch,2026:invalid-body',
      title: 'Body is invalid',
      status: 400,
      detail: expect.any(String),
      errors: [{ pointer: '#/orderId', detail: expect.any(String) }],
    });
  });
});
