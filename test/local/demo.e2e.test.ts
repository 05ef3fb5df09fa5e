import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb-local';
import { sendSignedWebhook } from '../../infra/local/webhook-client';
import { localWebhookSecret, signingSecret } from '../../infra/local/webhook-secret';
import {
  killGroup,
  type RunningRuntime,
  readEvents,
  startLocalRuntime,
  suiteDynamoDbEnv,
  waitFor,
} from '../support/local-runtime';

let running: RunningRuntime | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'psw-demo-'));
afterEach(() => killGroup(running));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start with no settings', () => {
  it('shows the demo orders resolving within a minute, one found by discovery, restores them on restart, and takes a completed one announced again calmly', async () => {
    const env = {
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      ONEENTRY_URL: '',
      WEBHOOK_SECRET: '',
      DISCOVERY_INTERVAL_SECONDS: '1',
      POLL_INTERVAL_SECONDS: '1',
      // The demo's timeline at a fifth of its length: the same story, told faster.
      DEMO_PACE: '0.2',
      // A DynamoDB that is already running: npm start uses it and starts none of its own.
      ...suiteDynamoDbEnv(),
    };
    running = await startLocalRuntime(env);
    expect(running.output()).toContain('built-in simulator, demo data');
    expect(running.output()).toContain(`DynamoDB     ${env.DYNAMODB_ENDPOINT} (DYNAMODB_ENDPOINT)`);
    expect(existsSync(join(dataDir, 'dynamodb'))).toBe(false);
    expect(running.output()).toMatch(/webhook secret whsec_\S+ \(generated/);

    const resolved = () =>
      readEvents(dataDir).filter((event) => event['detail-type'] === 'Payment Session Resolved');
    await waitFor(() => resolved().length >= 2, 60_000, running.output);
    expect(resolved().map((event) => event.detail.status)).toEqual(['completed', 'cancelled']);
    // The fourth order's session appears at 15 s (here 3 s) with no webhook: discovery tracks it.
    await waitFor(() => readEvents(dataDir).length >= 6, 60_000, running.output);
    expect(running.output()).toMatch(/discover +1 order\(s\) no webhook announced/);
    const published = readEvents(dataDir).length;
    expect(published).toBe(6); // four first observations, two resolutions

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    running = await startLocalRuntime(env);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(readEvents(dataDir)).toHaveLength(published); // two cycles later: nothing new, nothing twice

    // Announcing the completed demo order again (`npm run send`) leaves it as it is.
    const completed = resolved()[0]!.detail;
    const answer = await sendSignedWebhook({
      url: `http://127.0.0.1:${env.PORT}`,
      secret: signingSecret(localWebhookSecret(dataDir, {})),
      orderId: Number(completed.orderId),
    });
    expect(JSON.parse(answer.body)).toEqual({
      orderId: completed.orderId,
      tracking: false,
      checked: true,
      sessions: [{ sessionId: completed.sessionId, status: 'completed' }],
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(readEvents(dataDir)).toHaveLength(published);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  }, 240_000);
});
