import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { httpApiEvent } from '../support/apigw';
import { type Harness, newOrderId, startHarness } from './harness';
import { newSecret, signedHeaders } from './signing';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('webhook-logging');
});
afterAll(() => h.close());
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** Everything the Powertools logger writes while `run` runs (it writes to stdout/stderr). */
async function captureLogs(run: () => Promise<void>): Promise<string> {
  let written = '';
  const capture = (chunk: unknown) => {
    written += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await run();
  } finally {
    vi.restoreAllMocks();
  }
  return written;
}

const lines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the log', () => {
  it('has one line per request, and no body, signature or secret in it', async () => {
    // Even when someone turns event logging on for the whole account.
    vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true');
    const logger = new Logger({ serviceName: 'webhook-test' });
    const invoke = h.handler({ logger });
    const canary = 'CANARY-body-9c1e';
    const orderId = newOrderId();
    const accepted = JSON.stringify({ orderId, event: `paid-${canary}` });
    const acceptedHeaders = signedHeaders(h.secret, accepted);
    const invalid = JSON.stringify({ orderId: canary });
    const invalidHeaders = signedHeaders(h.secret, invalid);
    const foreign = signedHeaders(newSecret(), accepted);

    const output = await captureLogs(async () => {
      await invoke(httpApiEvent({ headers: acceptedHeaders, body: accepted }));
      await invoke(httpApiEvent({ headers: invalidHeaders, body: invalid }));
      await invoke(httpApiEvent({ headers: foreign, body: accepted }));
      await invoke(
        httpApiEvent({ headers: { 'content-type': 'application/json' }, body: accepted }),
      );
    });

    const records = lines(output);
    expect(records.map((record) => [record.outcome, record.statusCode])).toEqual([
      ['accepted', 202],
      ['invalid-body', 400],
      ['unauthorized', 401],
      ['unauthorized', 401],
    ]);
    expect(records[0]).toMatchObject({
      orderId,
      webhookId: acceptedHeaders['webhook-id'],
      checked: true,
      latencyMs: expect.any(Number),
      level: 'INFO',
    });
    expect(records[2]).toMatchObject({ reason: 'no-matching-signature' });
    expect(records[3]).toMatchObject({ reason: 'missing-headers' });
    expect(records[3]).not.toHaveProperty('webhookId');
    for (const secret of [h.secret, h.secret.slice('whsec_'.length)]) {
      expect(output).not.toContain(secret);
    }
    for (const headers of [acceptedHeaders, invalidHeaders, foreign]) {
      expect(output).not.toContain(headers['webhook-signature']!.slice('v1,'.length));
    }
    expect(output).not.toContain(canary);
  });

  it('names the cause of a failure of our own, as class and message', async () => {
    const logger = new Logger({ serviceName: 'webhook-test' });
    const invoke = h.handler({
      logger,
      store: { trackOrder: () => Promise.reject(new Error('DynamoDB is unavailable')) },
    });
    const output = await captureLogs(async () => {
      await invoke(h.signedEvent({ orderId: newOrderId() }));
    });
    expect(lines(output)).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        outcome: 'failed',
        statusCode: 500,
        errorType: 'Error',
        error: 'DynamoDB is unavailable',
      }),
    ]);
  });
});
