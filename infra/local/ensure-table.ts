/**
 * The local table, created from `functions/core/table.ts` on the first start and brought up to
 * date on later ones: an index the definition gained since the data dir was made is added, so
 * an old `.data/` keeps working (entries written before carry no keys for it).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableInput } from '../../functions/core/table';

export async function ensureTable(
  client: DynamoDBDocumentClient,
  tableName: string,
): Promise<void> {
  const wanted = createTableInput(tableName);
  let existing: Set<string | undefined>;
  try {
    const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    existing = new Set(described.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(new CreateTableCommand(wanted));
    return;
  }
  for (const index of wanted.GlobalSecondaryIndexes ?? []) {
    if (existing.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: wanted.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.IndexName,
              KeySchema: index.KeySchema,
              Projection: index.Projection,
            },
          },
        ],
      }),
    );
  }
}
