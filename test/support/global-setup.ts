import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local';

/**
 * DynamoDB Locals shared by the whole run, each worker on one of them (`suiteDynamoEndpoint`);
 * each test file makes its own tables. One DynamoDB Local serves every request through a single
 * SQLite connection, so the suite's DynamoDB-heavy files queue on it; two let them run side by
 * side on two cores (vitest 63.8 and 67.8 s against 71.0 and 71.8 s with one, run in turns;
 * four were slower again, 68 s).
 */
const DYNAMODB_LOCALS = 2;

/**
 * And one scratch directory, removed at the end, for what tests write that nobody reads
 * afterwards (the CDK's cloud assemblies, a hundred or so a run, would otherwise pile up in
 * the OS temp dir).
 */
export default async function setup(project: TestProject) {
  const scratchDir = mkdtempSync(join(tmpdir(), 'psw-test-'));
  const started = await Promise.allSettled(
    Array.from({ length: DYNAMODB_LOCALS }, () => startDynamoDbLocal()),
  );
  const dynamos = started.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  );
  const teardown = async () => {
    await Promise.all(dynamos.map((dynamo) => dynamo.stop()));
    rmSync(scratchDir, { recursive: true, force: true });
  };
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await teardown();
    throw failed.reason;
  }
  project.provide(
    'dynamoEndpoints',
    dynamos.map((dynamo) => dynamo.endpoint),
  );
  project.provide('scratchDir', scratchDir);
  return teardown;
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoints: string[];
    scratchDir: string;
  }
}
