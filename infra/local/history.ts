/**
 * Entry point of `npm run history`; see `history-command.ts`. With no table
 * configured it reads the table of the `npm start` running on `DATA_DIR` (default `.data`).
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { EXIT, runHistoryCommand } from './history-command';
import { DEPLOYED_TABLE_HINT, localToolEnvironment, nothingRunningMessage } from './runtime-file';

if (existsSync('.env')) process.loadEnvFile('.env');
const { env, dataDir, running } = localToolEnvironment({ ...process.env });
const argv = process.argv.slice(2);

if (!running && !env.TABLE_NAME?.trim() && !env.DYNAMODB_ENDPOINT?.trim()) {
  process.stderr.write(`history: ${nothingRunningMessage(dataDir, DEPLOYED_TABLE_HINT)}\n`);
  process.exitCode = EXIT.config;
} else {
  process.exitCode = await runHistoryCommand({
    argv,
    env,
    // A long export waits for the pipe to drain instead of buffering the rows.
    stdout: (text) =>
      process.stdout.write(text) ? undefined : once(process.stdout, 'drain').then(() => undefined),
    progress: process.stderr.isTTY,
    stderr: (text) => process.stderr.write(text),
  });
}
