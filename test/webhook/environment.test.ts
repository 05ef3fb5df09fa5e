import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../functions/core/errors';
import { webhookDependenciesFromEnvironment } from '../../functions/core/webhook/environment';
import { InvalidWebhookSecretError } from '../../functions/core/webhook/errors';
import { createWebhookHandler, handler } from '../../functions/webhook/handler';
import { lambdaContext } from '../../infra/local/lambda-context';
import { type Simulator, startSimulator } from '../../infra/simulator/simulator';
import { httpApiEvent } from '../support/apigw';
import { createTestTable, type TestTable } from '../support/dynamo';
import { newSecret, signedHeaders } from './signing';

let table: TestTable;
let sim: Simulator;

beforeAll(async () => {
  table = await createTestTable('webhook-env');
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
  await table.drop();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

function environment(overrides: Record<string, string> = {}) {
  return {
    TABLE_NAME: table.tableName,
    DYNAMODB_ENDPOINT: table.endpoint,
    ONEENTRY_URL: sim.url,
    ONEENTRY_APP_TOKEN: sim.appToken,
    ONEENTRY_ACCESS_TOKEN: sim.issueTokens().accessToken,
    ...overrides,
  };
}

describe('webhookDependenciesFromEnvironment', () => {
  it('wires a webhook that accepts every secret of WEBHOOK_SECRET', async () => {
    const [first, second] = [newSecret(), newSecret()];
    const deps = await webhookDependenciesFromEnvironment(
      logger,
      environment({ WEBHOOK_SECRET: `${first}, ${second}` }),
    );
    const invoke = createWebhookHandler({ ...deps, logger });
    const orderId = 4242;
    const body = JSON.stringify({ orderId });

    const answer = await invoke(
      httpApiEvent({ headers: signedHeaders(second, body), body }),
      lambdaContext('webhook', 10_000),
    );

    expect(answer).toMatchObject({ statusCode: 202 });
    expect(await table.scanAll()).toContainEqual(
      expect.objectContaining({ pk: `ORDER#${orderId}` }),
    );
  });

  it('refuses to start without a webhook secret', async () => {
    await expect(webhookDependenciesFromEnvironment(logger, environment())).rejects.toThrow(
      ConfigError,
    );
  });

  it('refuses a secret that is not a Standard Webhooks secret, without naming it', async () => {
    const bad = 'not base64 at all!';
    const failure = webhookDependenciesFromEnvironment(
      logger,
      environment({ WEBHOOK_SECRET: `${newSecret()},${bad}` }),
    );
    await expect(failure).rejects.toThrow(InvalidWebhookSecretError);
    await expect(failure).rejects.not.toThrow(bad);
  });
});

describe('the default handler', () => {
  it('throws a configuration error at its first invocation when unconfigured', async () => {
    for (const name of ['WEBHOOK_SECRET', 'WEBHOOK_SECRET_ARN', 'TABLE_NAME', 'ONEENTRY_URL']) {
      vi.stubEnv(name, '');
    }
    const event = httpApiEvent({ headers: { 'content-type': 'application/json' }, body: '{}' });
    await expect(handler(event, lambdaContext('webhook', 10_000))).rejects.toThrow(ConfigError);
  });
});
