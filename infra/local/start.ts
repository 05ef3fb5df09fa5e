/**
 * `npm start` (entered through `main.ts`): the whole system on this machine. Reads `.env` if
 * present; every problem that stops start-up is one line that says what to do. However the
 * process is asked to end (SIGINT, SIGTERM, SIGHUP, its parent going away, an error nobody
 * caught), it takes the same path once: stop every part in order, remove its files, print
 * `stopped`.
 */
import { existsSync } from 'node:fs';
import { flushCompileCache } from 'node:module';
import { ConfigError } from '../../functions/core/errors';
import { DataDirInUseError } from './data-dir-lock';
import { JavaMissingError } from './dynamodb-local';
import { preflight, StartupError } from './preflight';
import { type Runtime, startRuntime } from './runtime';

const log = (line: string) => process.stdout.write(`${line}\n`);

/** A stop that takes longer than this ends the process anyway (its `exit` cleanup still runs). */
const FORCE_STOP_AFTER_MS = 20_000;

const KNOWN_STARTUP_ERRORS = [ConfigError, StartupError, JavaMissingError, DataDirInUseError];

function startupFailure(error: unknown): string {
  if (KNOWN_STARTUP_ERRORS.some((type) => error instanceof type)) return (error as Error).message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const settings = await preflight(process.env);
  let runtime: Runtime | undefined;
  let stopping: Promise<never> | undefined;
  const stop = (reason: string, code = 0): Promise<never> => {
    stopping ??= (async () => {
      log(`${reason}: stopping`);
      setTimeout(() => {
        log('stop took too long: ending now');
        process.exit(1);
      }, FORCE_STOP_AFTER_MS).unref();
      // Still starting: start-up returns (or fails) first, then this stops what it built.
      while (!runtime && !startupSettled) await new Promise((resolve) => setTimeout(resolve, 50));
      await runtime?.stop();
      log('stopped');
      process.exit(code);
    })();
    return stopping;
  };
  let startupSettled = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void stop(signal));
  }
  process.on('uncaughtException', (error) => {
    log(`unexpected error: ${error.stack ?? error.message}`);
    void stop('error', 1);
  });
  process.on('unhandledRejection', (reason) => {
    log(
      `unexpected error: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
    );
    void stop('error', 1);
  });
  // If whatever started us dies without passing a signal on, stop rather than linger.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop('parent gone');
  }, 1000).unref();
  try {
    runtime = await startRuntime({ settings, env: process.env, log });
  } finally {
    startupSettled = true;
  }
  // Written now rather than at exit, which a killed process never reaches.
  flushCompileCache();
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start: ${startupFailure(error)}\n`);
  process.exit(1);
});
