import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseStore } from '../../functions/core/lease';
import { createLogger, createMetrics } from '../../functions/core/observability';
import { OneEntryClient } from '../../functions/core/oneentry/client';
import { StatusModel } from '../../functions/core/status';
import { SessionStore } from '../../functions/core/store';
import { Tracker } from '../../functions/core/tracker';
import { createPollerHandler } from '../../functions/poller/handler';
import { lambdaContext } from '../../infra/local/lambda-context';
import { type Simulator, startSimulator } from '../../infra/simulator/simulator';
import { captureOutput } from '../support/capture-output';
import { createTestTable, type TestTable } from '../support/dynamo';

let sim: Simulator;
let table: TestTable;

beforeAll(async () => {
  sim = await startSimulator();
  table = await createTestTable('poller');
});
afterAll(async () => {
  await sim.close();
  await table.drop();
});

describe('poller handler', () => {
  it('runs a cycle, logs one summary and emits its metrics without any secret in the output', async () => {
    const tokens = sim.issueTokens();
    const rotated: string[] = [];
    const orderIds = [sim.createOrder(), sim.createOrder()];
    const secrets = orderIds.map(
      (orderId) => sim.createSession(orderId, { status: 'waiting' }).clientSecret,
    );
    const store = new SessionStore({ client: table.client, tableName: table.tableName });
    for (const orderId of orderIds) await store.trackOrder(orderId);

    const logger = createLogger('poller');
    logger.setLogLevel('DEBUG');
    const client = new OneEntryClient({
      baseUrl: sim.url,
      appToken: sim.appToken,
      ...tokens,
      logger,
      onRefreshTokenRotated: (token) => void rotated.push(token),
    });
    const tracker = new Tracker({
      store,
      leases: new LeaseStore(table.client, table.tableName),
      source: client,
      statuses: new StatusModel(['waiting']),
      logger,
    });
    const handler = createPollerHandler({
      logger,
      metrics: createMetrics(),
      tracker: async () => tracker,
    });
    sim.expireAccessTokens(); // forces a refresh, so the rotated token passes through the code too
    sim.setFault(orderIds[0]!, { status: 503, times: 1 }); // and a retry, which logs at debug level

    const { result, output } = await captureOutput(() =>
      handler({}, lambdaContext('poller', 60_000)),
    );

    expect(result).toMatchObject({ status: 'completed', checked: 2, changed: 2 });
    const summaryLines = output.split('\n').filter((line) => line.includes('Poll cycle finished'));
    expect(summaryLines).toHaveLength(1);
    expect(JSON.parse(summaryLines[0]!)).toMatchObject({ checked: 2, changed: 2, level: 'INFO' });
    for (const metric of [
      'OrdersTracked',
      'OrdersChecked',
      'OrdersUnchanged',
      'OrdersChanged',
      'Transitions',
    ]) {
      expect(output).toContain(`"${metric}"`);
    }
    expect(rotated).toHaveLength(1);

    const items = JSON.stringify(await table.scanAll());
    for (const secret of [
      sim.appToken,
      tokens.accessToken,
      tokens.refreshToken,
      ...rotated,
      ...secrets,
    ]) {
      expect(output).not.toContain(secret);
      expect(items).not.toContain(secret);
    }
  });
});
