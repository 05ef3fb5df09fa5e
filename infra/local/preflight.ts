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
import { loadOneEntryCredentials, loadWebhookSecrets } from '../../functions/core/credentials';
import { ConfigError } from '../../functions/core/errors';
import { InvalidWebhookSecretError } from '../../functions/core/webhook/errors';
import { SignatureVerifier } from '../../functions/core/webhook/verify';
import { assertJava, probeDynamoDb } from './dynamodb-local';
import { type LocalSettings, readLocalSettings } from './settings';

/** How long a DynamoDB at `DYNAMODB_ENDPOINT` has to answer before start-up gives up. */
const DYNAMODB_ANSWER_TIMEOUT_MS = 5_000;

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

/** A DynamoDB given by `DYNAMODB_ENDPOINT` must answer before anything is built on it. */
async function assertDynamoDbAnswers(endpoint: string): Promise<void> {
  const deadline = AbortSignal.timeout(DYNAMODB_ANSWER_TIMEOUT_MS);
  try {
    await probeDynamoDb(endpoint, deadline);
  } catch (error) {
    const failure = error as {
      code?: string;
      name: string;
      $metadata?: { httpStatusCode?: number };
    };
    const status = failure.$metadata?.httpStatusCode;
    const cause = deadline.aborted
      ? `no answer in ${DYNAMODB_ANSWER_TIMEOUT_MS / 1000} s`
      : status
        ? `HTTP ${status}`
        : (failure.code ?? failure.name);
    throw new StartupError(
      `DYNAMODB_ENDPOINT ${endpoint} does not answer as DynamoDB (${cause}): start it, or unset DYNAMODB_ENDPOINT to let npm start run DynamoDB Local`,
    );
  }
}

/** A malformed `WEBHOOK_SECRET` stops start-up here, not the first delivery signed with it. */
async function assertWebhookSecrets(env: Record<string, string | undefined>): Promise<void> {
  try {
    new SignatureVerifier(await loadWebhookSecrets(env));
  } catch (error) {
    if (!(error instanceof InvalidWebhookSecretError)) throw error;
    throw new ConfigError([`WEBHOOK_SECRET: ${error.message} (whsec_ followed by base64)`]);
  }
}

/** Validates every setting up front, so a typo stops start-up instead of a later invocation. */
export async function preflight(env: Record<string, string | undefined>): Promise<LocalSettings> {
  const settings = readLocalSettings(env);
  const tracker = readConfig(trackerConfigSchema, env);
  if (tracker.FAST_POLL_SECONDS >= settings.POLL_INTERVAL_SECONDS) {
    throw new ConfigError([
      `FAST_POLL_SECONDS must be under POLL_INTERVAL_SECONDS (${settings.POLL_INTERVAL_SECONDS}): the fast lane checks young orders between cycles`,
    ]);
  }
  if (env.WEBHOOK_SECRET?.trim()) await assertWebhookSecrets(env);
  readConfig(eventConfigSchema, env);
  if (env.ONEENTRY_URL?.trim()) {
    readConfig(oneEntryConfigSchema, env);
    await loadOneEntryCredentials(env);
  }
  // Java runs DynamoDB Local, which is not needed when DynamoDB is somewhere else.
  if (settings.DYNAMODB_ENDPOINT) await assertDynamoDbAnswers(settings.DYNAMODB_ENDPOINT);
  else assertJava();
  await assertPortFree(settings.PORT);
  return settings;
}
