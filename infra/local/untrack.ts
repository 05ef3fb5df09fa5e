/**
 * Entry point of `npm run untrack`; see `untrack-command.ts`. With no table configured it works
 * on the table of the `npm start` running on `DATA_DIR` (default `.data`).
 */
import { existsSync } from 'node:fs';
import { DEPLOYED_TABLE_HINT, localToolEnvironment, nothingRunningMessage } from './runtime-file';
import { EXIT, runUntrackCommand } from './untrack-command';

if (existsSync('.env')) process.loadEnvFile('.env');
const { env, dataDir, running } = localToolEnvironment({ ...process.env });

if (!running && !env.TABLE_NAME?.trim() && !env.DYNAMODB_ENDPOINT?.trim()) {
  process.stderr.write(`untrack: ${nothingRunningMessage(dataDir, DEPLOYED_TABLE_HINT)}\n`);
  process.exitCode = EXIT.config;
} else {
  process.exitCode = await runUntrackCommand({
    argv: process.argv.slice(2),
    env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
