/**
 * `npm start`: the whole system on this machine. Reads `.env` if present; every problem that
 * stops start-up is one line that says what to do.
 */
import { existsSync } from 'node:fs';
import { ConfigError } from '../../functions/core/errors';
import { JavaMissingError } from './dynamodb-local';
import { preflight, StartupError } from './preflight';
import { type Runtime, startRuntime } from './runtime';

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const settings = await preflight(process.env);
  let runtime: Runtime | undefined;
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    if (!runtime) return; // still starting: main stops it as soon as start-up returns
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    await runtime?.stop();
    log('stopped');
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // If whatever started us dies without passing a signal on, stop rather than linger.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop('SIGHUP');
  }, 1000).unref();
  runtime = await startRuntime({ settings, env: process.env, log });
  if (stopping) {
    await runtime.stop();
    log('stopped');
    process.exit(0);
  }
}

main().catch((error: unknown) => {
  const known =
    error instanceof ConfigError ||
    error instanceof StartupError ||
    error instanceof JavaMissingError;
  process.stderr.write(
    `npm start: ${known ? (error as Error).message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
