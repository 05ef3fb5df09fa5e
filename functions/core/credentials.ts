/**
 * Where secrets come from. Locally: environment variables. In AWS: Secrets Manager, read at
 * run time through Powertools Parameters (cached), never through plain environment variables.
 * Secret values are only ever handed to the clients that need them, never logged.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ConfigError } from './errors';

export interface OneEntryCredentials {
  appToken: string;
  accessToken?: string | undefined;
  refreshToken?: string | undefined;
  /** Persists a rotated refresh token where the credentials came from, if that is possible. */
  persistRefreshToken?: ((refreshToken: string) => Promise<void>) | undefined;
  /** Reads the refresh token as persisted now, bypassing the cache. */
  reloadRefreshToken?: (() => Promise<string | undefined>) | undefined;
}

/** The JSON stored in the OneEntry secret. */
export const oneEntrySecretSchema = z
  .object({
    appToken: z.string().min(1),
    accessToken: z.string().min(1).optional(),
    refreshToken: z.string().min(1).optional(),
  })
  .refine((value) => value.accessToken || value.refreshToken, {
    message: 'needs accessToken or refreshToken',
  });

/** How long a secret read from Secrets Manager is reused, in seconds. */
const SECRET_CACHE_SECONDS = 300;

type Env = Record<string, string | undefined>;
const present = (value: string | undefined) =>
  value && value.trim() !== '' ? value.trim() : undefined;

export async function loadOneEntryCredentials(
  env: Env = process.env,
): Promise<OneEntryCredentials> {
  const secretArn = present(env.ONEENTRY_SECRET_ARN);
  if (secretArn) {
    const raw = await getSecret(secretArn, { transform: 'json', maxAge: SECRET_CACHE_SECONDS });
    const parsed = oneEntrySecretSchema.safeParse(raw);
    if (!parsed.success) {
      throw new ConfigError([
        `ONEENTRY_SECRET_ARN: the secret must be JSON {"appToken", "accessToken"?, "refreshToken"?} (${parsed.error.issues
          .map((issue) => issue.path.join('.') || issue.message)
          .join(', ')})`,
      ]);
    }
    const secrets = new SecretsManagerClient({});
    return {
      ...parsed.data,
      reloadRefreshToken: async () => {
        const fresh = oneEntrySecretSchema.safeParse(
          await getSecret(secretArn, { transform: 'json', forceFetch: true }),
        );
        return fresh.success ? fresh.data.refreshToken : undefined;
      },
      persistRefreshToken: async (refreshToken) => {
        await secrets.send(
          new PutSecretValueCommand({
            SecretId: secretArn,
            SecretString: JSON.stringify({ ...parsed.data, refreshToken }),
          }),
        );
      },
    };
  }
  const appToken = present(env.ONEENTRY_APP_TOKEN);
  const accessToken = present(env.ONEENTRY_ACCESS_TOKEN);
  const refreshToken = present(env.ONEENTRY_REFRESH_TOKEN);
  const problems: string[] = [];
  if (!appToken) problems.push('ONEENTRY_APP_TOKEN is required (or ONEENTRY_SECRET_ARN)');
  if (!accessToken && !refreshToken) {
    problems.push(
      'ONEENTRY_ACCESS_TOKEN or ONEENTRY_REFRESH_TOKEN is required (or ONEENTRY_SECRET_ARN)',
    );
  }
  if (problems.length > 0 || !appToken) throw new ConfigError(problems);
  return { appToken, accessToken, refreshToken };
}

/**
 * The active Standard Webhooks secrets: several at once, so a secret can be rotated without
 * downtime. `WEBHOOK_SECRET` is a comma-separated list; in AWS the secret named by
 * `WEBHOOK_SECRET_ARN` holds the same list.
 */
export async function loadWebhookSecrets(env: Env = process.env): Promise<string[]> {
  const secretArn = present(env.WEBHOOK_SECRET_ARN);
  const raw = secretArn
    ? await getSecret(secretArn, { maxAge: SECRET_CACHE_SECONDS })
    : present(env.WEBHOOK_SECRET);
  if (typeof raw !== 'string') {
    throw new ConfigError([
      secretArn
        ? 'WEBHOOK_SECRET_ARN: the secret has no string value'
        : 'WEBHOOK_SECRET is required (or WEBHOOK_SECRET_ARN)',
    ]);
  }
  const secrets = raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (secrets.length === 0) throw new ConfigError(['WEBHOOK_SECRET: no secret in the list']);
  return secrets;
}
