import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../functions/core/oneentry/credential-store';
import { runLoginCommand } from '../../infra/local/login-command';
import { type Simulator, startSimulator } from '../../infra/simulator/simulator';
import { clientWith, sharedAuth } from '../support/auth';
import { createTestTable, type TestTable } from '../support/dynamo';

const USER = { login: 'operator@example.test', password: 'operator-password' };

let sim: Simulator;
let table: TestTable;

beforeAll(async () => {
  sim = await startSimulator();
  sim.addUser(USER.login, USER.password);
});
afterAll(() => sim.close());
beforeEach(async () => {
  table = await createTestTable('login');
  sim.resetStats();
});
afterEach(() => table.drop());

async function login(answers: Record<string, string>, env: Record<string, string> = {}) {
  const out: string[] = [];
  const asked: { question: string; secret: boolean }[] = [];
  const code = await runLoginCommand({
    env: {
      TABLE_NAME: table.tableName,
      DYNAMODB_ENDPOINT: table.endpoint,
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      ONEENTRY_URL: sim.url,
      ONEENTRY_APP_TOKEN: sim.appToken,
      ...env,
    },
    ask: async (question, secret) => {
      asked.push({ question, secret });
      return question.startsWith('Password') ? (answers.password ?? '') : (answers.login ?? '');
    },
    stdout: (text) => out.push(text),
    stderr: (text) => out.push(text),
  });
  return { code, output: out.join(''), asked };
}

describe('npm run login', () => {
  it('asks for the login and, without echo, the password; stores the tokens for every function', async () => {
    const { code, output, asked } = await login(USER);
    expect(code).toBe(0);
    expect(asked).toEqual([
      { question: 'OneEntry login: ', secret: false },
      { question: 'Password: ', secret: true },
    ]);
    expect(output).toContain('Signed in');
    const state = await new CredentialStore(table.client, table.tableName).read();
    expect(state).toMatchObject({ status: 'ok', refreshToken: expect.any(String) });
    for (const secret of [
      USER.password,
      state?.accessToken,
      state?.refreshToken,
      state?.deviceId,
    ]) {
      expect(output).not.toContain(secret);
    }
    // A function with nothing but the app token now reads OneEntry with the stored tokens.
    sim.expireAccessTokens();
    const orderId = sim.createOrder();
    sim.createSession(orderId);
    expect(
      await clientWith(sim, sharedAuth(sim, table)).getSessionsByOrderId(orderId),
    ).toHaveLength(1);
    expect(sim.stats()).toMatchObject({ signIns: 1, refreshes: 1 });
  });

  it('reads ONEENTRY_LOGIN and ONEENTRY_PASSWORD instead of asking', async () => {
    const { code, asked } = await login(
      {},
      { ONEENTRY_LOGIN: USER.login, ONEENTRY_PASSWORD: USER.password },
    );
    expect(code).toBe(0);
    expect(asked).toEqual([]);
  });

  it('says the password was refused, in one line, and keeps the working tokens', async () => {
    expect((await login(USER)).code).toBe(0);
    const before = await new CredentialStore(table.client, table.tableName).read();
    const { code, output } = await login({ ...USER, password: 'typo' });
    expect(code).toBe(1);
    expect(output).toMatch(/^npm run login: OneEntry refused the sign-in/);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).not.toContain('typo');
    const after = await new CredentialStore(table.client, table.tableName).read();
    expect(after?.refreshToken).toBe(before?.refreshToken);
    expect(after?.status).toBe('ok');
  });

  it('says where the table is expected when nothing is running and no TABLE_NAME is set', async () => {
    const { code, output } = await login(USER, { TABLE_NAME: '' });
    expect(code).toBe(1);
    expect(output).toContain('start `npm start` first');
  });
});
