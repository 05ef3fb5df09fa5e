/**
 * The sign-in soak: webhook and poller both call OneEntry while its access tokens expire every
 * 3 seconds; every transition must be recorded and published, no refresh refused, and a
 * restart must reuse the stored credentials.
 */
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/core/dynamo';
import { CredentialStore } from '../../functions/core/oneentry/credential-store';
import { readRuntimeFile } from '../../infra/local/runtime-file';
import { sendSignedWebhook } from '../../infra/local/webhook-client';
import { newTestDeviceId, seedFor, signInSecrets } from '../support/auth';
import { readEvents, waitFor } from '../support/local-runtime';
import { type OrderAnswer, SECRET, useStrictSignIn } from '../support/strict-sign-in';

/**
 * How long webhook and poller meet expiring tokens: 12 s (four expiries of each access token)
 * in `npm test`, two minutes in `npm run test:soak`. The assertions are the same.
 */
const RUN_MS = Number(process.env.SIGN_IN_SOAK_SECONDS || 12) * 1000;

const { sim: simulator, start, baseEnv, noRefusedRefresh } = useStrictSignIn();

/** The tokens `npm start` holds now, read from its table. */
async function storedCredentials(dataDir: string) {
  const runtime = readRuntimeFile(dataDir);
  if (!runtime) throw new Error('npm start is not running');
  const client = createDocumentClient({ endpoint: runtime.dynamodbEndpoint });
  try {
    return await new CredentialStore(client, runtime.tableName).read();
  } finally {
    client.destroy();
  }
}

describe('npm start with expiring, device-bound, single-use tokens', () => {
  it(`keeps webhook and poller signed in for ${RUN_MS / 1000} s of expiring tokens and reuses them after a restart`, {
    timeout: RUN_MS + 120_000,
  }, async () => {
    const sim = simulator();
    const { dataDir, url, env: base } = await baseEnv();
    const deviceId = newTestDeviceId();
    const seed = seedFor(sim, deviceId);
    const env = {
      ...base,
      ONEENTRY_DEVICE_ID: deviceId,
      ONEENTRY_ACCESS_TOKEN: seed.accessToken,
      ONEENTRY_REFRESH_TOKEN: seed.refreshToken,
    };
    sim.resetStats();
    let running = await start(env);

    // An order a second: announced by webhook (immediate check), resolved a few seconds
    // later, so the poller finds the change. Both sides meet expired tokens all along.
    const orders: { orderId: number; sessionId: number; final: string }[] = [];
    const answers: string[] = [];
    const startedAt = Date.now();
    for (let index = 0; Date.now() - startedAt < RUN_MS; index++) {
      const orderId = sim.createOrder();
      const sessionId = sim.createSession(orderId).id;
      const final = index % 3 === 0 ? 'canceled' : 'completed';
      orders.push({ orderId, sessionId, final });
      const answer = await sendSignedWebhook({ url, secret: SECRET, orderId });
      expect(answer.status).toBe(202);
      answers.push(answer.body);
      setTimeout(() => sim.setStatus(sessionId, final), 1500 + (index % 5) * 700);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await waitFor(
      async () => {
        const states = await Promise.all(
          orders.map(async ({ orderId }) => {
            const answer = (await (await fetch(`${url}/orders/${orderId}`)).json()) as OrderAnswer;
            return answer.state;
          }),
        );
        return states.every((state) => state === 'resolved');
      },
      60_000,
      running.output,
    );

    const recordedIds: string[] = [];
    for (const { orderId, final } of orders) {
      const answer = (await (await fetch(`${url}/orders/${orderId}`)).json()) as OrderAnswer;
      expect(answer.history.at(-1)?.status).toBe(final);
      recordedIds.push(...answer.history.map((entry) => entry.eventId));
    }
    await waitFor(
      () => {
        const published = new Set(readEvents(dataDir).map((event) => event.detail.eventId));
        return recordedIds.every((id) => published.has(id));
      },
      30_000,
      running.output,
    );
    noRefusedRefresh();
    const stats = sim.stats();
    expect(stats.signIns).toBe(0);
    // 3-second tokens throughout: renewed again and again, once per expiry at most.
    expect(stats.refreshes).toBeGreaterThan(RUN_MS / 3000 / 2);
    expect(stats.refreshes).toBeLessThanOrEqual(Math.ceil((Date.now() - startedAt) / 3000) + 2);

    // Nothing secret anywhere a person or a subscriber can see.
    const current = await storedCredentials(dataDir);
    const health = await (await fetch(`${url}/health`)).text();
    const visible = [
      running.output(),
      JSON.stringify(readEvents(dataDir)),
      health,
      ...answers,
    ].join('\n');
    for (const secret of [...signInSecrets(sim, seed, current, deviceId), deviceId]) {
      expect(visible).not.toContain(secret);
    }
    expect(JSON.parse(health)).toMatchObject({ checks: { auth: { status: 'ok' } } });

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);

    // A restart reuses the rotated tokens: no sign-in, no seed brought back, no refusal.
    sim.resetStats();
    running = await start(env);
    const orderId = sim.createOrder();
    const sessionId = sim.createSession(orderId).id;
    expect((await sendSignedWebhook({ url, secret: SECRET, orderId })).status).toBe(202);
    sim.setStatus(sessionId, 'completed');
    await waitFor(
      async () =>
        ((await (await fetch(`${url}/orders/${orderId}`)).json()) as OrderAnswer).state ===
        'resolved',
      30_000,
      running.output,
    );
    expect(sim.stats().signIns).toBe(0);
    noRefusedRefresh();
  });
});
