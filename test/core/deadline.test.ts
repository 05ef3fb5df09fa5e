/**
 * The deadline reaches the table: a DynamoDB endpoint that accepts connections and never
 * answers holds a call only until the caller's signal fires, and every AWS SDK client is
 * built with connection and request timeouts.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AWS_CONNECTION_TIMEOUT_MS,
  AWS_REQUEST_TIMEOUT_MS,
} from '../../functions/core/aws-clients';
import { createDocumentClient } from '../../functions/core/dynamo';
import { createEventBridgeClient } from '../../functions/core/events/client';
import { StatusModel } from '../../functions/core/status';
import { SessionStore } from '../../functions/core/store';
import { createTestTable, type TestTable } from '../support/dynamo';
import { session } from '../support/fixtures';

let hung: Server;
let hungUrl: string;
const sockets: Socket[] = [];
let table: TestTable;

beforeAll(async () => {
  hung = createServer((socket) => void sockets.push(socket)); // accepts, never answers
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  const address = hung.address();
  hungUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  table = await createTestTable('deadline');
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => hung.close(resolve));
  await table.drop();
});

const handlerConfig = (client: { config: { requestHandler: unknown } }) =>
  (
    client.config.requestHandler as { httpHandlerConfigs(): Record<string, unknown> }
  ).httpHandlerConfigs();

describe('a table call under a deadline', () => {
  it('is abandoned when the caller signal fires, whether it reads or records', async () => {
    const store = new SessionStore({
      client: createDocumentClient({ endpoint: hungUrl }),
      tableName: 't',
    });
    const order = {
      orderId: 1,
      state: 'tracking' as const,
      trackedSince: new Date().toISOString(),
      version: 1,
      sessions: {},
    };
    const calls = [
      store.getOrder(1, { signal: AbortSignal.timeout(200) }),
      store.recordObservation(order, [session({ orderId: 1 })], new StatusModel(), new Date(), {
        signal: AbortSignal.timeout(200),
      }),
    ];
    const startedAt = performance.now();
    for (const call of calls) await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - startedAt).toBeLessThan(AWS_REQUEST_TIMEOUT_MS);
  });
});

describe('AWS SDK clients', () => {
  it('bound connection and request times, DynamoDB and EventBridge alike', async () => {
    const expected = {
      connectionTimeout: AWS_CONNECTION_TIMEOUT_MS,
      requestTimeout: AWS_REQUEST_TIMEOUT_MS,
    };
    // The handler resolves its configuration with the first request.
    await new SessionStore({ client: table.client, tableName: table.tableName }).getOrder(1);
    expect(handlerConfig(table.client)).toMatchObject(expected);
    const events = createEventBridgeClient({ endpoint: hungUrl });
    await events
      .send(new PutEventsCommand({ Entries: [] }), { abortSignal: AbortSignal.timeout(100) })
      .catch(() => {});
    expect(handlerConfig(events)).toMatchObject(expected);
  });
});
