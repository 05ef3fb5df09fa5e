import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createDocumentClient } from '../../functions/core/dynamo';
import { createTableInput } from '../../functions/core/table';

export interface TestTable {
  endpoint: string;
  tableName: string;
  client: DynamoDBDocumentClient;
  /** Every item in the table (tests only: the product never scans). */
  scanAll(): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

export interface TestTableOptions {
  /**
   * Keep the product's stream, for a test that reads it. Default false: DynamoDB Local writes
   * each stream record through the one SQLite connection that serves every request, and every
   * later request costs more the more stream records it holds (a fixed mixed workload: 4.9 s of
   * its CPU on a fresh DynamoDB Local, 11.2 s after five such workloads; 2.7 s throughout
   * without the stream). A test that reads no stream cannot tell it is missing.
   */
  stream?: boolean;
}

/** A fresh table in the shared DynamoDB Local, built from the product's own definition. */
export async function createTestTable(
  prefix = 'test',
  { stream = false }: TestTableOptions = {},
): Promise<TestTable> {
  const endpoint = inject('dynamoEndpoint');
  const client = createDocumentClient({ endpoint });
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  const { StreamSpecification, ...withoutStream } = createTableInput(tableName);
  await client.send(
    new CreateTableCommand(stream ? { ...withoutStream, StreamSpecification } : withoutStream),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  return {
    endpoint,
    tableName,
    client,
    async scanAll() {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    async drop() {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}
