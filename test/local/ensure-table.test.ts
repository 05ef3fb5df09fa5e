import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../functions/core/dynamo';
import { createTableInput, HISTORY_INDEX } from '../../functions/core/table';
import { ensureTable } from '../../infra/local/ensure-table';

const client = createDocumentClient({ endpoint: inject('dynamoEndpoint') });
const tableName = `ensure-${Date.now()}`;
afterAll(async () => {
  await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => {});
  client.destroy();
});

const indexesOf = async () =>
  (
    await client.send(new DescribeTableCommand({ TableName: tableName }))
  ).Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort();

describe('the local table on start', () => {
  it('gains the indexes a data dir made by an older version lacks, and is left alone after', async () => {
    // A table as an older version made it: without the history-by-time index.
    const current = createTableInput(tableName);
    await client.send(
      new CreateTableCommand({
        ...current,
        AttributeDefinitions: current.AttributeDefinitions?.filter(
          (attribute) => !attribute.AttributeName?.startsWith('history'),
        ),
        GlobalSecondaryIndexes: current.GlobalSecondaryIndexes?.filter(
          (index) => index.IndexName !== HISTORY_INDEX,
        ),
      }),
    );
    await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
    expect(await indexesOf()).not.toContain(HISTORY_INDEX);

    await ensureTable(client, tableName);
    const wanted = current.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort();
    expect(await indexesOf()).toEqual(wanted);
    await ensureTable(client, tableName); // nothing left to add: no error
    expect(await indexesOf()).toEqual(wanted);
  });
});
