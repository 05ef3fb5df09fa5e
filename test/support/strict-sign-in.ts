/**
 * `npm start` against a OneEntry that behaves like the real one where sign-in is concerned:
 * access tokens of 3 seconds, refresh tokens bound to the device and spent once. Shared by the
 * sign-in end-to-end files, each with its own simulator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { freePort } from '../../infra/local/dynamodb-local';
import { type Simulator, startSimulator } from '../../infra/simulator/simulator';
import {
  killGroup,
  type RunningRuntime,
  startLocalRuntime,
  suiteDynamoDbEnv,
} from './local-runtime';

export const SECRET = `whsec_${Buffer.from('auth-e2e-secret-0123456789abcdef').toString('base64')}`;
export const USER = { login: 'watcher@example.test', password: 'e2e-service-password' };

export interface OrderAnswer {
  state: string;
  history: { status: string; eventId: string }[];
}

/**
 * A simulator with 3-second access tokens and the service user (read it through `sim()` inside
 * tests), a fresh data dir and port per `baseEnv()`, and `start` for `npm start`: the last one
 * it started is killed after each test, whatever state it is in.
 */
export function useStrictSignIn() {
  let simulator: Simulator | undefined;
  let running: RunningRuntime | undefined;
  const sim = () => {
    if (!simulator) throw new Error('the simulator is only there inside a test');
    return simulator;
  };
  const start = async (env: Record<string, string>) => {
    running = await startLocalRuntime(env);
    return running;
  };
  const dataDirs: string[] = [];
  beforeAll(async () => {
    simulator = await startSimulator({ accessTokenTtlMs: 3000 });
    simulator.addUser(USER.login, USER.password);
  });
  afterEach(() => killGroup(running));
  afterAll(async () => {
    await simulator?.close();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  async function baseEnv() {
    const dataDir = mkdtempSync(join(tmpdir(), 'psw-auth-e2e-'));
    dataDirs.push(dataDir);
    const port = await freePort();
    return {
      dataDir,
      url: `http://127.0.0.1:${port}`,
      env: {
        PORT: String(port),
        DATA_DIR: dataDir,
        POLL_INTERVAL_SECONDS: '1',
        ONEENTRY_URL: sim().url,
        ONEENTRY_APP_TOKEN: sim().appToken,
        WEBHOOK_SECRET: SECRET,
        ...suiteDynamoDbEnv(),
      },
    };
  }

  const noRefusedRefresh = () =>
    expect(sim().stats().refreshesRefused).toEqual({
      unknown: 0,
      spent: 0,
      expired: 0,
      'other-device': 0,
    });

  return { sim, start, baseEnv, noRefusedRefresh };
}
