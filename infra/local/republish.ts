/**
 * Entry point of `npm run republish`; see `command.ts`. With no table configured it works on
 * the `npm start` running on `DATA_DIR` (default `.data`): its table, its event sink and its
 * dead-letter file.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, runRepublishCommand } from './republish-command';
import {
  DEAD_LETTER_FILE,
  DEPLOYED_TABLE_HINT,
  localToolEnvironment,
  nothingRunningMessage,
} from './runtime-file';

if (existsSync('.env')) process.loadEnvFile('.env');
const { env, dataDir, running } = localToolEnvironment({ ...process.env });
if (running && !env.DEAD_LETTER_FILE) env.DEAD_LETTER_FILE = join(dataDir, DEAD_LETTER_FILE);

if (!running && !env.TABLE_NAME?.trim() && !env.DYNAMODB_ENDPOINT?.trim()) {
  process.stderr.write(`republish: ${nothingRunningMessage(dataDir, DEPLOYED_TABLE_HINT)}\n`);
  process.exitCode = EXIT.config;
} else {
  process.exitCode = await runRepublishCommand({
    argv: process.argv.slice(2),
    env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
