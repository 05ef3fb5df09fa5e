/**
 * Entry point of `npm run login`; see `login-command.ts`. Reads `.env`; with no table
 * configured it uses the table of the `npm start` running on `DATA_DIR` (default `.data`).
 */
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { runLoginCommand } from './login-command';
import { readRuntimeFile } from './runtime-file';

if (existsSync('.env')) process.loadEnvFile('.env');
const env = { ...process.env };
if (!env.TABLE_NAME && !env.DYNAMODB_ENDPOINT) {
  const local = readRuntimeFile(env.DATA_DIR ?? '.data');
  if (local) {
    Object.assign(env, {
      TABLE_NAME: local.tableName,
      DYNAMODB_ENDPOINT: local.dynamodbEndpoint,
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
  }
}

/** One line from the terminal; a secret one is read without echo. */
async function ask(question: string, secret: boolean): Promise<string> {
  // A secret's prompt is written first; the terminal then echoes into a sink.
  if (secret) process.stderr.write(question);
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const lines = createInterface({
    input: process.stdin,
    output: secret ? muted : process.stderr,
    terminal: Boolean(process.stdin.isTTY),
  });
  try {
    return await lines.question(secret ? '' : question);
  } finally {
    lines.close();
    if (secret) process.stderr.write('\n');
  }
}

process.exitCode = await runLoginCommand({
  env,
  ask,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
