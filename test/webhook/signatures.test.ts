import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpApiEvent } from '../support/apigw';
import { type Harness, newOrderId, startHarness } from './harness';
import { newSecret, signedHeaders } from './signing';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('webhook-signatures');
});
afterAll(() => h.close());

const bodyFor = (orderId = newOrderId()) => JSON.stringify({ orderId });

describe('secret rotation', () => {
  it('accepts either of two active secrets and refuses a removed one', async () => {
    const old = newSecret();
    const next = newSecret();
    let active = [old, next];
    const invoke = h.handler({ secrets: async () => active });
    const send = (secret: string) => {
      const body = bodyFor();
      return invoke(httpApiEvent({ headers: signedHeaders(secret, body), body }));
    };

    expect((await send(old)).statusCode).toBe(202);
    expect((await send(next)).statusCode).toBe(202);
    active = [next];
    expect((await send(old)).statusCode).toBe(401);
    expect((await send(next)).statusCode).toBe(202);
  });

  it('accepts a header carrying several signatures when one of them is valid', async () => {
    const body = bodyFor();
    const headers = signedHeaders(h.secret, body);
    const foreign = signedHeaders(newSecret(), body, { id: headers['webhook-id'] });
    headers['webhook-signature'] =
      `${foreign['webhook-signature']} ${headers['webhook-signature']}`;
    expect((await h.invoke(httpApiEvent({ headers, body }))).statusCode).toBe(202);
  });
});

describe('signature headers', () => {
  it('are found whatever the case of their names', async () => {
    const body = bodyFor();
    const headers = Object.fromEntries(
      Object.entries(signedHeaders(h.secret, body)).map(([name, value]) => [
        name.replace(
          /(^|-)([a-z])/g,
          (_, dash: string, letter: string) => dash + letter.toUpperCase(),
        ),
        value,
      ]),
    );
    expect(Object.keys(headers)).toContain('Webhook-Signature');
    const answer = await h.invoke(httpApiEvent({ headers, body, lowerCaseHeaders: false }));
    expect(answer.statusCode).toBe(202);
  });

  it('count as sent twice, and fail, when two spellings of a name carry different values', async () => {
    const body = bodyFor();
    const headers = { ...signedHeaders(h.secret, body), 'Webhook-Id': 'msg_other' };
    const answer = await h.invoke(httpApiEvent({ headers, body, lowerCaseHeaders: false }));
    expect(answer.statusCode).toBe(401);
  });
});

describe('the timestamp', () => {
  it('is accepted four minutes old', async () => {
    const body = bodyFor();
    const at = new Date(Date.now() - 4 * 60_000);
    const answer = await h.invoke(
      httpApiEvent({ headers: signedHeaders(h.secret, body, { at }), body }),
    );
    expect(answer.statusCode).toBe(202);
  });

  it('is accepted four minutes ahead (a sender with a fast clock)', async () => {
    const body = bodyFor();
    const at = new Date(Date.now() + 4 * 60_000);
    const answer = await h.invoke(
      httpApiEvent({ headers: signedHeaders(h.secret, body, { at }), body }),
    );
    expect(answer.statusCode).toBe(202);
  });
});

describe('a base64-encoded body', () => {
  it('is verified over its decoded bytes and handled', async () => {
    const orderId = newOrderId();
    const body = Buffer.from(JSON.stringify({ orderId, event: 'zahlung.eingegangen €' }));
    const event = httpApiEvent({ headers: signedHeaders(h.secret, body), body });
    expect(event.isBase64Encoded).toBe(true);

    const answer = await h.invoke(event);

    expect(answer.statusCode).toBe(202);
    expect(answer.json).toMatchObject({ orderId, tracking: true });
    expect((await h.store.getOrder(orderId))?.state).toBe('tracking');
  });

  it('is refused when the signature was made over the base64 text instead', async () => {
    const text = bodyFor();
    const encoded = Buffer.from(text).toString('base64');
    const event = httpApiEvent({
      headers: signedHeaders(h.secret, encoded),
      body: text,
      isBase64Encoded: true,
    });
    expect((await h.invoke(event)).statusCode).toBe(401);
  });
});
