/**
 * No secret reaches the bus: neither a `clientSecret` smuggled in with a session, nor
 * secret-looking attributes someone stores on a history item.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EventPublisher, publishStreamRecords } from '../../functions/core/events/publisher';
import type { PaymentSession } from '../../functions/core/model';
import { SessionStore } from '../../functions/core/store';
import {
  ENTITY,
  ENTITY_ATTRIBUTE,
  historySortKey,
  orderKey,
  SORT_KEY,
} from '../../functions/core/table';
import { fromLambdaRecord } from '../../functions/publisher/stream-record';
import { createTestTable, type TestTable } from '../support/dynamo';
import { openStreamReader } from '../support/dynamodb-stream';
import {
  type EventBridgeEndpoint,
  startEventBridgeEndpoint,
} from '../support/eventbridge-endpoint';
import { driveOrder, paymentSession } from '../support/payment-sessions';

const SECRET = 'pi_secret_5up3r';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.token';

let table: TestTable;
let endpoint: EventBridgeEndpoint;

beforeAll(async () => {
  table = await createTestTable('secrets', { stream: true });
  endpoint = await startEventBridgeEndpoint();
});
afterAll(async () => {
  await endpoint.close();
  await table.drop();
});

it('publishes no client secret and no token, whatever the session or the item carried', async () => {
  const store = new SessionStore({ client: table.client, tableName: table.tableName });
  const stream = await openStreamReader(table);
  const leaky = {
    ...paymentSession(11, 110, 'waiting'),
    clientSecret: SECRET,
    accessToken: TOKEN,
  } as PaymentSession;
  await driveOrder(store, 11, [[leaky]]);
  await table.client.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        ...orderKey(12),
        [SORT_KEY]: historySortKey('2025-03-01T11:00:00.000Z', 120, 1),
        [ENTITY_ATTRIBUTE]: ENTITY.history,
        orderId: 12,
        sessionId: 120,
        kind: 'resolved',
        seq: 1,
        previousStatus: null,
        status: 'completed',
        resolved: true,
        observedAt: '2025-03-01T11:00:00.000Z',
        eventId: 'pss-12-120-1',
        clientSecret: SECRET,
        token: TOKEN,
        refreshToken: TOKEN,
      },
    }),
  );
  const records = await stream.readAtLeast(4);
  stream.close();

  const result = await publishStreamRecords(
    records.map(fromLambdaRecord),
    new EventPublisher({ client: endpoint.client() }),
  );

  expect(result.published).toBe(2);
  const wire = JSON.stringify(endpoint.requests);
  expect(wire).not.toContain(SECRET);
  expect(wire).not.toContain(TOKEN);
  for (const event of endpoint.delivered) {
    expect(Object.keys(event.detail).filter((key) => /secret|token/i.test(key))).toEqual([]);
  }
});
