/**
 * Checks made before anything starts, each failing with one line that says what to do.
 */
import { createServer } from 'node:net';
import {
  eventConfigSchema,
  oneEntryConfigSchema,
  readConfig,
  trackerConfigSchema,
} from '../../functions/core/config';
import { loadOneEntryCredentials } from '../../functions/core/credentials';
import { assertJava } from './dynamodb-local';
import { type LocalSettings, readLocalSettings } from './settings';

/** A start-up problem a person can fix; `main` prints its message alone and exits 1. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new StartupError(
              `Port ${port} is already in use: stop what runs there or start with PORT=${port + 1} npm start`,
            )
          : error,
      );
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/** Validates every setting up front, so a typo stops start-up instead of a later invocation. */
export async function preflight(env: Record<string, string | undefined>): Promise<LocalSettings> {
  const settings = readLocalSettings(env);
  readConfig(trackerConfigSchema, env);
  readConfig(eventConfigSchema, env);
  if (env.ONEENTRY_URL?.trim()) {
    readConfig(oneEntryConfigSchema, env);
    await loadOneEntryCredentials(env);
  }
  assertJava();
  await assertPortFree(settings.PORT);
  return settings;
}
