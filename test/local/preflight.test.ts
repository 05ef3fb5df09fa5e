/** Settings npm start refuses before it starts anything (in process; startup-errors spawns it). */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors';
import { freePort } from '../../infra/local/dynamodb-local';
import { preflight, StartupError } from '../../infra/local/preflight';

async function refusal(env: Record<string, string>): Promise<ConfigError> {
  const error = await preflight({ PORT: String(await freePort()), ...env }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('npm start preflight', () => {
  it.each(['ftp://shop.example', 'htp:/typo', 'shop.oneentry.cloud'])(
    'refuses ONEENTRY_URL %s, which is no http(s) URL, naming it',
    async (url) => {
      const error = await refusal({ ONEENTRY_URL: url, ONEENTRY_APP_TOKEN: 'app-token' });
      expect(error.message).toContain('ONEENTRY_URL');
      expect(error.message).not.toContain(url);
    },
  );

  it.each(['ftp://127.0.0.1:8000', 'localhost:8000'])(
    'refuses DYNAMODB_ENDPOINT %s, which is no http(s) URL, naming it',
    async (endpoint) => {
      const error = await refusal({ DYNAMODB_ENDPOINT: endpoint });
      expect(error.message).toContain('DYNAMODB_ENDPOINT: must be an http(s) URL');
    },
  );

  it('refuses a DYNAMODB_ENDPOINT where nothing listens, or something that is not DynamoDB, in one line', async () => {
    const nothing = `http://127.0.0.1:${await freePort()}`;
    const notDynamoDb = createServer((_request, response) => response.writeHead(404).end());
    await new Promise<void>((resolve) => notDynamoDb.listen(0, '127.0.0.1', resolve));
    const { port } = notDynamoDb.address() as { port: number };
    try {
      for (const [endpoint, cause] of [
        [nothing, 'ECONNREFUSED'],
        [`http://127.0.0.1:${port}`, 'HTTP 404'],
      ] as const) {
        const error = await preflight({
          PORT: String(await freePort()),
          DYNAMODB_ENDPOINT: endpoint,
        }).then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        expect(error).toBeInstanceOf(StartupError);
        expect((error as Error).message).toBe(
          `DYNAMODB_ENDPOINT ${endpoint} does not answer as DynamoDB (${cause}): start it, or unset DYNAMODB_ENDPOINT to let npm start run DynamoDB Local`,
        );
      }
    } finally {
      notDynamoDb.close();
    }
  });

  it('refuses a malformed WEBHOOK_SECRET by position, never echoing it', async () => {
    const good = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const error = await refusal({ WEBHOOK_SECRET: `${good}, whsec_!!not-base64!!` });
    expect(error.message).toMatch(/WEBHOOK_SECRET: webhook secret #2 is not a valid/);
    expect(error.message).not.toContain('not-base64');
    expect(error.message).not.toContain(good);
  });

  it('refuses a fast lane no faster than the cycle, naming both settings', async () => {
    const error = await refusal({ POLL_INTERVAL_SECONDS: '10', FAST_POLL_SECONDS: '10' });
    expect(error.message).toMatch(/FAST_POLL_SECONDS must be under POLL_INTERVAL_SECONDS \(10\)/);
  });

  it('takes a fast lane under the cycle and a well-formed secret', async () => {
    const settings = await preflight({
      PORT: String(await freePort()),
      POLL_INTERVAL_SECONDS: '60',
      FAST_POLL_SECONDS: '10',
      WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
    });
    expect(settings.POLL_INTERVAL_SECONDS).toBe(60);
  });
});
