import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../functions/core/discovery/checkpoint';
import { DiscoverySweep } from '../../functions/core/discovery/sweep';
import { LeaseStore } from '../../functions/core/lease';
import { createLogger, createMetrics } from '../../functions/core/observability';
import { createDiscoveryHandler } from '../../functions/discovery/handler';
import { lambdaContext } from '../../infra/local/lambda-context';
import { type Simulator, startSimulator } from '../../infra/simulator/simulator';
import { captureOutput } from '../support/capture-output';
import { createTestTable, type TestTable } from '../support/dynamo';
import { trackerFor } from '../support/tracker';

let sim: Simulator;
let table: TestTable;

beforeAll(async () => {
  sim = await startSimulator();
  table = await createTestTable('discovery-handler');
});
afterAll(async () => {
  await sim.close();
  await table.drop();
});

describe('discovery handler', () => {
  it('logs one summary per sweep and emits its metrics, with no secret in the output', async () => {
    const { tracker, store, client } = trackerFor(table, sim);
    const logger = createLogger('discovery');
    const handler = createDiscoveryHandler({
      logger,
      metrics: createMetrics(),
      sweep: async () =>
        new DiscoverySweep({
          lister: client,
          store,
          tracker,
          checkpoints: new CheckpointStore(table.client, table.tableName),
          leases: new LeaseStore(table.client, table.tableName),
          logger,
        }),
    });
    const invoke = () => captureOutput(() => handler({}, lambdaContext('discovery', 60_000)));
    expect((await invoke()).result).toMatchObject({ status: 'baseline' });
    const orderId = sim.createOrder();
    const { clientSecret } = sim.createSession(orderId);
    const { result, output } = await invoke();
    expect(result).toMatchObject({ status: 'completed', discovered: 1 });
    const lines = output.split('\n').filter((line) => line.includes('Discovery sweep finished'));
    expect(lines).toHaveLength(1);
    for (const metric of ['SessionsDiscovered', 'DiscoveryPages', 'DiscoveryTruncated']) {
      expect(output).toContain(`"${metric}"`);
    }
    expect(output).not.toContain(clientSecret);
    expect(output).not.toContain(sim.appToken);
  });
});
