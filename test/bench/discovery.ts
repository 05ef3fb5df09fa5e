/**
 * `npm run bench -- --discovery`: one discovery sweep over a project with many existing
 * sessions and a few new ones, against DynamoDB Local and the simulator, for each list order.
 * Prints one JSON object on stdout.
 *
 *   npm run bench -- --discovery --existing 100000 --new 100 --page-size 100 --latency 50
 */
import { parseArgs } from 'node:util';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CheckpointStore } from '../../functions/core/discovery/checkpoint';
import { DiscoverySweep } from '../../functions/core/discovery/sweep';
import { createDocumentClient } from '../../functions/core/dynamo';
import { LeaseStore } from '../../functions/core/lease';
import { OneEntryClient } from '../../functions/core/oneentry/client';
import { StatusModel } from '../../functions/core/status';
import { SessionStore } from '../../functions/core/store';
import { createTableInput } from '../../functions/core/table';
import { Tracker } from '../../functions/core/tracker';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local';
import { type ListSettings, startSimulator } from '../../infra/simulator/simulator';

const { values } = parseArgs({
  options: {
    discovery: { type: 'boolean' },
    existing: { type: 'string', default: '100000' },
    new: { type: 'string', default: '100' },
    'page-size': { type: 'string', default: '100' },
    latency: { type: 'string', default: '50' },
  },
});
const existing = Number(values.existing);
const fresh = Number(values.new);
const pageSize = Number(values['page-size']);
const latencyMs = Number(values.latency);
const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const forever = () => 15 * 60_000;

// The full tiered JIT: the README's figures are measured at peak throughput.
const dynamo = await startDynamoDbLocal({ jvmOptions: [] });
try {
  const runs = [];
  for (const order of ['newest-first', 'oldest-first'] as ListSettings['order'][]) {
    const sim = await startSimulator();
    const client = createDocumentClient({ endpoint: dynamo.endpoint });
    const tableName = `bench-discovery-${order}`;
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    let dynamoRequests = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        dynamoRequests++;
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    sim.setListSettings({ order });
    progress(`${order}: seeding ${existing} existing sessions`);
    for (let index = 0; index < existing; index++) sim.createSession(sim.createOrder());
    const oneEntry = new OneEntryClient({
      baseUrl: sim.url,
      appToken: sim.appToken,
      accessToken: sim.issueTokens().accessToken,
    });
    const store = new SessionStore({ client, tableName });
    const sweep = new DiscoverySweep({
      lister: oneEntry,
      store,
      tracker: new Tracker({
        store,
        leases: new LeaseStore(client, tableName),
        source: oneEntry,
        statuses: new StatusModel(['waiting']),
      }),
      checkpoints: new CheckpointStore(client, tableName),
      leases: new LeaseStore(client, tableName),
      settings: { pageSize },
    });
    sim.setFault('global', { latencyMs });
    sim.setFault('list', { latencyMs });
    const baseline = await sweep.run({ owner: 'bench', remainingTimeMs: forever });
    progress(`${order}: baseline took ${baseline.pages} list request(s); adding ${fresh} new`);
    for (let index = 0; index < fresh; index++) sim.createSession(sim.createOrder());
    sim.resetStats();
    dynamoRequests = 0;
    const started = performance.now();
    const summary = await sweep.run({ owner: 'bench', remainingTimeMs: forever });
    const wallMs = performance.now() - started;
    const stats = sim.stats();
    if (summary.discovered !== fresh) {
      throw new Error(`${order}: discovered ${summary.discovered} of ${fresh}`);
    }
    runs.push({
      order,
      baselineListRequests: baseline.pages,
      listRequests: stats.listRequests,
      byOrderRequests: stats.sessionRequests,
      discovered: summary.discovered,
      dynamoRequests,
      wallMs: Math.round(wallMs),
    });
    client.destroy();
    await sim.close();
  }
  process.stdout.write(
    `${JSON.stringify({ existing, new: fresh, pageSize, upstreamLatencyMs: latencyMs, runs })}\n`,
  );
} finally {
  await dynamo.stop();
}
