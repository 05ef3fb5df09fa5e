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

/**
 * The suite's DynamoDB Local this worker uses: the workers take turns over those the global
 * setup started, so each serves about half the suite.
 */
export function suiteDynamoEndpoint(): string {
  const endpoints = inject('dynamoEndpoints');
  const worker = Number(process.env.VITEST_POOL_ID);
  if (!Number.isInteger(worker)) throw new Error('VITEST_POOL_ID is not set: run under Vitest');
  return endpoints[worker % endpoints.length] as string;
}

export interface TestTableOptions {
  /**
   * Keep the product's stream, for a test that reads it. Default false: DynamoDB Local writes
   * each stream record through the same single SQLite connection as the items, which halves
   * what it serves, and a test that reads no stream cannot tell it is missing.
   */
  stream?: boolean;
}

/** A fresh table in the suite's DynamoDB Local, built from the product's own definition. */
export async function createTestTable(
  prefix = 'test',
  { stream = false }: TestTableOptions = {},
): Promise<TestTable> {
  const endpoint = suiteDynamoEndpoint();
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
