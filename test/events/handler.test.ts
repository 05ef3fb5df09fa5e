import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseDeadLetter } from '../../functions/core/events/dead-letters';
import { EventPublisher } from '../../functions/core/events/publisher';
import { createMetrics } from '../../functions/core/observability';
import { SessionStore } from '../../functions/core/store';
import { ENTITY, ENTITY_ATTRIBUTE, orderKey, SORT_KEY } from '../../functions/core/table';
import { createPublisherHandler } from '../../functions/publisher/handler';
import { lambdaContext } from '../../infra/local/lambda-context';
import { createTestTable, type TestTable } from '../support/dynamo';
import { openStreamReader } from '../support/dynamodb-stream';
import {
  type EventBridgeEndpoint,
  startEventBridgeEndpoint,
} from '../support/eventbridge-endpoint';
import { driveOrder } from '../support/payment-sessions';

let table: TestTable;
let endpoint: EventBridgeEndpoint;
let records: DynamoDBRecord[];
let poison: DynamoDBRecord | undefined;

beforeAll(async () => {
  table = await createTestTable('publisher-fn', { stream: true });
  endpoint = await startEventBridgeEndpoint();
  const store = new SessionStore({ client: table.client, tableName: table.tableName });
  const stream = await openStreamReader(table);
  await driveOrder(store, 1, [[[10, 'waiting']], [[10, 'completed']]]);
  await table.client.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...orderKey(1), [SORT_KEY]: 'HISTORY#poison', [ENTITY_ATTRIBUTE]: ENTITY.history },
    }),
  );
  records = await stream.readAtLeast(5);
  poison = records.find((record) => record.dynamodb?.Keys?.[SORT_KEY]?.S === 'HISTORY#poison');
  stream.close();
});
afterAll(async () => {
  await endpoint.close();
  await table.drop();
});
afterEach(() => {
  endpoint.delivered.length = 0;
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('the publisher function', () => {
  it('answers with exactly the partial batch response, naming the record it could not publish', async () => {
    const logger = new Logger({ logLevel: 'SILENT' });
    const error = vi.spyOn(logger, 'error');
    const publisher = new EventPublisher({ client: endpoint.client(), logger });
    const metrics = createMetrics();
    const added = vi.spyOn(metrics, 'addMetric');
    const handler = createPublisherHandler({ publisher, logger, metrics });

    const response = await handler({ Records: records }, lambdaContext());

    expect(added).toHaveBeenCalledWith('EventsPublished', 'Count', 2);
    expect(added).toHaveBeenCalledWith('EventsFailed', 'Count', 1);
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: poison?.dynamodb?.SequenceNumber }],
    });
    expect(endpoint.delivered).toHaveLength(2);
    expect(error).toHaveBeenCalledWith(
      expect.stringContaining('on-failure destination'),
      expect.objectContaining({
        failed: 1,
        published: 2,
        sequenceNumbers: [poison?.dynamodb?.SequenceNumber],
      }),
    );
  });

  it('builds its publisher from the environment on the first call', async () => {
    vi.stubEnv('EVENT_SOURCE', 'acme.checkout');
    vi.stubEnv('EVENT_BUS_NAME', 'payments');
    vi.stubEnv('EVENTBRIDGE_ENDPOINT', endpoint.endpoint);
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    const { handler } = await import('../../functions/publisher/handler');

    const response = await handler(
      { Records: records.filter((record) => record !== poison) },
      lambdaContext(),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(endpoint.delivered.map((event) => event.source)).toEqual([
      'acme.checkout',
      'acme.checkout',
    ]);
    expect(endpoint.requests.at(-1)?.entries[0]?.EventBusName).toBe('payments');
  });

  it('sends the record that can never be published to PUBLISHER_FAILURE_FILE at once, and reports no failure', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'psw-publisher-')), 'dead-letter.jsonl');
    vi.stubEnv('EVENTBRIDGE_ENDPOINT', endpoint.endpoint);
    vi.stubEnv('PUBLISHER_FAILURE_FILE', file);
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    const { handler } = await import('../../functions/publisher/handler');

    const response = await handler({ Records: records }, lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(endpoint.delivered).toHaveLength(2);
    const [line, ...more] = readFileSync(file, 'utf8').trim().split('\n');
    expect(more).toEqual([]);
    const letter = parseDeadLetter(line ?? '');
    expect(letter.kind === 'permanent' && letter.message).toMatchObject({
      errorCode: 'InvalidHistoryRecordError',
      record: { keys: { sk: 'HISTORY#poison' } },
    });
    rmSync(dirname(file), { recursive: true, force: true });
  });

  it('fails the invocation with a message naming an invalid setting', async () => {
    vi.stubEnv('PUBLISH_MAX_ATTEMPTS', '0');
    const { handler } = await import('../../functions/publisher/handler');

    await expect(handler({ Records: records }, lambdaContext())).rejects.toThrow(
      /PUBLISH_MAX_ATTEMPTS/,
    );
    expect(endpoint.delivered).toHaveLength(0);
  });
});
