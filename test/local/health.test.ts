import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/core/dynamo';
import { freePort } from '../../infra/local/dynamodb-local';
import {
  dynamoDbCheck,
  failing,
  healthHandler,
  ok,
  reachableCheck,
} from '../../infra/local/health';
import { startSimulator } from '../../infra/simulator/simulator';

const answer = async (handler: ReturnType<typeof healthHandler>) => {
  const result = (await handler()) as { statusCode: number; body: string };
  return { status: result.statusCode, body: JSON.parse(result.body) };
};

describe('GET /health', () => {
  it('answers 503 naming OneEntry when its URL is unreachable, and 200 once it answers', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const down = await answer(healthHandler({ oneEntry: reachableCheck(url) }));
    expect(down.status).toBe(503);
    expect(down.body).toEqual({
      status: 'failing',
      checks: { oneEntry: { status: 'failing', reason: `${url} is unreachable (ECONNREFUSED)` } },
    });

    const sim = await startSimulator();
    try {
      const up = await answer(healthHandler({ oneEntry: reachableCheck(sim.url) }));
      expect(up).toEqual({
        status: 200,
        body: { status: 'ok', checks: { oneEntry: { status: 'ok' } } },
      });
    } finally {
      await sim.close();
    }
  });

  it('names the DynamoDB npm start was given when it does not answer', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const client = createDocumentClient({ endpoint });
    try {
      const check = dynamoDbCheck({
        client,
        tableName: 'absent',
        endpoint,
        name: 'DynamoDB',
        exited: () => undefined,
      });
      expect(await check()).toEqual({
        status: 'failing',
        reason: expect.stringMatching(`^DynamoDB at ${endpoint} does not answer: .*ECONNREFUSED`),
      });
    } finally {
      client.destroy();
    }
  });

  it('fails only on a failing part: other states keep their details, a throw counts as failing', async () => {
    const report = await answer(
      healthHandler(
        {
          dynamodb: async () => ok,
          auth: async () => ({ status: 'not-configured', reason: 'run npm run login' }),
        },
        () => ({ lastPoll: null }),
      ),
    );
    expect(report.status).toBe(200);
    expect(report.body.checks.auth).toEqual({
      status: 'not-configured',
      reason: 'run npm run login',
    });
    expect(report.body.lastPoll).toBeNull();

    const broken = await answer(
      healthHandler({
        dynamodb: async () => failing('gone'),
        auth: async () => {
          throw new TypeError('boom');
        },
      }),
    );
    expect(broken.status).toBe(503);
    expect(broken.body.checks).toEqual({
      dynamodb: { status: 'failing', reason: 'gone' },
      auth: { status: 'failing', reason: 'TypeError: boom' },
    });
  });
});
