/**
 * The running `npm start`, as a client that means no good would use it: random and malformed
 * requests never knock it over, and no configured secret or token ever shows in what it
 * prints, publishes or answers, even with Powertools told to log every event.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb-local';
import { sendSignedWebhook } from '../../infra/local/webhook-client';
import { type Simulator, startSimulator } from '../../infra/simulator/simulator';
import {
  killGroup,
  type RunningRuntime,
  readEvents,
  simulatorEnv,
  startLocalRuntime,
  suiteDynamoDbEnv,
  waitFor,
} from '../support/local-runtime';
import { newSecret } from '../webhook/signing';

const SECRET = newSecret();
let sim: Simulator;
let running: RunningRuntime;
let url: string;
let dataDir: string;
/** The OneEntry settings given to the runtime, tokens included. */
let oneEntry: Record<string, string>;
/** Every API answer body, searched for secrets at the end. */
const answers: string[] = [];

beforeAll(async () => {
  sim = await startSimulator();
  oneEntry = simulatorEnv(sim);
  dataDir = mkdtempSync(join(tmpdir(), 'psw-robust-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  running = await startLocalRuntime({
    PORT: String(port),
    DATA_DIR: dataDir,
    POLL_INTERVAL_SECONDS: '1',
    ...oneEntry,
    WEBHOOK_SECRET: SECRET,
    // The most a careless configuration could log: every event, at the most verbose level.
    POWERTOOLS_LOGGER_LOG_EVENT: 'true',
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    ...suiteDynamoDbEnv(),
  });
});
afterAll(async () => {
  killGroup(running);
  await sim.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function request(path: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(`${url}${path}`, init);
  answers.push(await response.clone().text());
  return response;
}

const expectHealthy = async () => {
  const health = await request('/health');
  expect(health.status).toBe(200);
};

describe('npm start under bad input', () => {
  it('answers /orders/%ZZ with 400 and keeps running', async () => {
    const answer = await request('/orders/%ZZ');
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    await expectHealthy();
  });

  it('answers absurd ids, overlong paths and oversized bodies with a 4xx', async () => {
    for (const path of [
      '/orders/99999999999999999999999999999',
      '/orders/-1',
      '/orders/1e9',
      '/orders/%00',
      '/orders/%F0%9F%92%A9',
      `/orders/${'9'.repeat(5000)}`,
      `/orders/${'9'.repeat(20_000)}`,
    ]) {
      const answer = await request(path);
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expect(answer.status, path).toBeLessThan(500);
    }
    const oversized = await request('/webhooks/payment-sessions', {
      method: 'POST',
      body: Buffer.alloc(11 * 1024 * 1024, 'x'),
    });
    expect(oversized.status).toBe(413);
    await expectHealthy();
  });

  it('survives random paths, methods and headers (fuzz)', async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
      fc.constantFrom('%', '%Z', '%ZZ', '%E0%A4', '%C0%AF', '..', '.', '%2F', '%00', 'orders'),
      fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
    );
    const path = fc
      .array(segment, { minLength: 0, maxLength: 4 })
      .chain((parts) =>
        fc
          .constantFrom('/orders/', '/webhooks/payment-sessions/', '/health/', '/')
          .map((prefix) => prefix + parts.join('/')),
      );
    const header = fc.tuple(
      fc.constantFrom(
        'content-type',
        'webhook-id',
        'webhook-signature',
        'x-forwarded-for',
        'accept',
        'x-fuzz',
      ),
      fc.string({ maxLength: 200 }).map((value) => value.replace(/[^\x20-\x7e]/g, '')),
    );
    await fc.assert(
      fc.asyncProperty(
        path,
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'),
        fc.array(header, { maxLength: 5 }),
        fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
        async (target, method, headers, body) => {
          const answer = await request(target, {
            method,
            headers: Object.fromEntries(headers),
            body: method === 'GET' || method === 'HEAD' ? undefined : body,
          });
          expect(answer.status, `${method} ${target}`).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    await expectHealthy();
  }, 120_000);

  it('never shows a configured secret or token in its output, events or answers', async () => {
    const orderId = sim.createOrder();
    const session = sim.createSession(orderId, { status: 'waiting' });
    expect((await sendSignedWebhook({ url, secret: SECRET, orderId })).status).toBe(202);
    sim.setStatus(session.id, 'completed');
    await waitFor(
      () =>
        readEvents(dataDir).some(
          (event) =>
            event['detail-type'] === 'Payment Session Resolved' && event.detail.orderId === orderId,
        ),
      30_000,
      running.output,
    );
    // A SigV4-signed history call, as IAM callers make in AWS: its credentials must not echo.
    const sigV4 = 'Signature=4d0c1a9e1d0c8f2b6d7ec3f8bfa94de3a8e4b3e4bf5a1f0f2f2f9b9d4c6a1b2c';
    const sessionToken = 'IQoJb3JpZ2luX2VjEXAMPLE-session-token-0123456789';
    const history = await request(`/orders/${orderId}`, {
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/eu-west-1/execute-api/aws4_request, SignedHeaders=host, ${sigV4}`,
        'x-amz-security-token': sessionToken,
      },
    });
    expect(history.status).toBe(200);
    await request('/health');

    const searched = [
      running.output(),
      readFileSync(join(dataDir, 'events.jsonl'), 'utf8'),
      ...answers,
    ].join('\n');
    // The output is not empty: the search looks at what the handlers really logged.
    expect(running.output()).toContain('payment-session-watch running');
    // Every OneEntry setting but the URL is a credential.
    const { ONEENTRY_URL: _url, ...credentials } = oneEntry;
    expect(Object.keys(credentials).length).toBeGreaterThanOrEqual(3);
    const secrets = {
      webhookSecret: SECRET,
      webhookKey: SECRET.slice('whsec_'.length),
      ...credentials,
      sigV4,
      sessionToken,
    };
    for (const [name, value] of Object.entries(secrets)) {
      expect(searched.includes(value), `${name} appears`).toBe(false);
    }
  }, 60_000);
});
