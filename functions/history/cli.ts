/**
 * Entry point of `npm run history -- <orderId> [--json]`; see `command.ts`. With no table
 * configured it reads the table of the `npm start` running on `DATA_DIR` (default `.data`).
 */
import { existsSync } from 'node:fs';
import { readRuntimeFile } from '../../infra/local/runtime-file';
import { runHistoryCommand } from './command';

if (existsSync('.env')) process.loadEnvFile('.env');
const env = { ...process.env };
if (!env.TABLE_NAME && !env.DYNAMODB_ENDPOINT) {
  const local = readRuntimeFile(env.DATA_DIR ?? '.data');
  if (local)
    Object.assign(env, { TABLE_NAME: local.tableName, DYNAMODB_ENDPOINT: local.dynamodbEndpoint });
}

process.exitCode = await runHistoryCommand({
  argv: process.argv.slice(2),
  env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
