/** `npm start` given only a login and password, against 3-second, device-bound tokens. */
import { describe, expect, it } from 'vitest';
import { sendSignedWebhook } from '../../infra/local/webhook-client';
import { readEvents, waitFor } from '../support/local-runtime';
import { SECRET, USER, useStrictSignIn } from '../support/strict-sign-in';

const { sim: simulator, start, baseEnv, noRefusedRefresh } = useStrictSignIn();

describe('npm start with a service user', () => {
  it('starts from a login and password alone, signs in once, and keeps that sign-in across a restart', {
    timeout: 120_000,
  }, async () => {
    const sim = simulator();
    const { dataDir, url, env: base } = await baseEnv();
    const env = { ...base, ONEENTRY_LOGIN: USER.login, ONEENTRY_PASSWORD: USER.password };
    sim.resetStats();
    let running = await start(env);
    const resolveOne = async () => {
      const orderId = sim.createOrder();
      const sessionId = sim.createSession(orderId).id;
      expect((await sendSignedWebhook({ url, secret: SECRET, orderId })).status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 3500)); // the token expires meanwhile
      sim.setStatus(sessionId, 'completed');
      await waitFor(
        () =>
          readEvents(dataDir).some(
            (event) =>
              event.detail.orderId === orderId &&
              event['detail-type'] === 'Payment Session Resolved',
          ),
        30_000,
        running.output,
      );
    };
    await resolveOne();
    expect(sim.stats().signIns).toBe(1);
    expect(sim.stats().refreshes).toBeGreaterThan(0);
    noRefusedRefresh();
    expect(running.output()).not.toContain(USER.password);

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    running = await start(env);
    await resolveOne();
    expect(sim.stats().signIns).toBe(1);
    noRefusedRefresh();
    expect(running.output()).not.toContain(USER.password);
  });
});
