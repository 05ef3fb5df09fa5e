import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local';

/**
 * One DynamoDB Local for the whole run; each test file makes its own table in it. And one
 * scratch directory, removed at the end, for what tests write that nobody reads afterwards
 * (the CDK's cloud assemblies, a hundred or so a run, would otherwise pile up in the OS temp dir).
 */
export default async function setup(project: TestProject) {
  const scratchDir = mkdtempSync(join(tmpdir(), 'psw-test-'));
  const dynamo = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('scratchDir', scratchDir);
  return async () => {
    await dynamo.stop();
    rmSync(scratchDir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    scratchDir: string;
  }
}
