/**
 * Where secrets come from. Locally: environment variables. In AWS: Secrets Manager, read at
 * run time through Powertools Parameters (cached), never through plain environment variables.
 * Secret values are only ever handed to the clients that need them, never logged. The tokens
 * themselves live in the table's shared credential state; these are only seeds for it.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { awsClientConfig } from './aws-clients';
import { ConfigError } from './errors';
import type { ServiceUser } from './oneentry/auth-api';
import type { AuthSeed } from './oneentry/shared-auth';

export interface OneEntryCredentials {
  appToken: string;
  /** Tokens an operator put in the settings; each new value replaces the shared state once. */
  seed: AuthSeed;
  /** A service user the watcher signs itself in with (markers filled in by the caller). */
  serviceUser?: Omit<ServiceUser, 'fields'> | undefined;
  /** Set while the secret still holds the placeholder the stack created. */
  notConfigured?: string | undefined;
}

/** The app token the stack's placeholder secret holds until an operator fills it in. */
export const PLACEHOLDER_APP_TOKEN = 'not-configured';

/** The JSON stored in the OneEntry secret. */
export const oneEntrySecretSchema = z.object({
  appToken: z.string().min(1),
  accessToken: z.string().min(1).optional(),
  refreshToken: z.string().min(1).optional(),
  login: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
});

/** How long a secret read from Secrets Manager is reused, in seconds. */
const SECRET_CACHE_SECONDS = 300;

/** Secrets are read through one client built with the project's connection and request timeouts. */
let secretsProvider: SecretsProvider | undefined;
const getSecret: SecretsProvider['get'] = (name, options) => {
  secretsProvider ??= new SecretsProvider({
    awsSdkV3Client: new SecretsManagerClient(awsClientConfig()),
  });
  return secretsProvider.get(name, options);
};

type Env = Record<string, string | undefined>;
const present = (value: string | undefined) =>
  value && value.trim() !== '' ? value.trim() : undefined;

function serviceUserOf(
  login: string | undefined,
  password: string | undefined,
  where: string,
): OneEntryCredentials['serviceUser'] {
  if (!login && !password) return undefined;
  if (!login || !password) throw new ConfigError([`${where}: login and password go together`]);
  return { login, password };
}

export async function loadOneEntryCredentials(
  env: Env = process.env,
): Promise<OneEntryCredentials> {
  const secretArn = present(env.ONEENTRY_SECRET_ARN);
  if (secretArn) {
    const raw = await getSecret(secretArn, { transform: 'json', maxAge: SECRET_CACHE_SECONDS });
    const parsed = oneEntrySecretSchema.safeParse(raw);
    if (!parsed.success) {
      throw new ConfigError([
        `ONEENTRY_SECRET_ARN: the secret must be JSON {"appToken", "login"?, "password"?, "accessToken"?, "refreshToken"?} (${parsed.error.issues
          .map((issue) => issue.path.join('.') || issue.message)
          .join(', ')})`,
      ]);
    }
    const { appToken, accessToken, refreshToken, login, password } = parsed.data;
    return {
      appToken,
      seed: { accessToken, refreshToken },
      serviceUser: serviceUserOf(login, password, 'ONEENTRY_SECRET_ARN'),
      notConfigured:
        appToken === PLACEHOLDER_APP_TOKEN
          ? 'the OneEntry secret still holds its placeholder: put {"appToken", "login", "password"} in it'
          : undefined,
    };
  }
  const appToken = present(env.ONEENTRY_APP_TOKEN);
  if (!appToken) throw new ConfigError(['ONEENTRY_APP_TOKEN is required (or ONEENTRY_SECRET_ARN)']);
  return {
    appToken,
    seed: {
      accessToken: present(env.ONEENTRY_ACCESS_TOKEN),
      refreshToken: present(env.ONEENTRY_REFRESH_TOKEN),
    },
    serviceUser: serviceUserOf(
      present(env.ONEENTRY_LOGIN),
      env.ONEENTRY_PASSWORD || undefined,
      'ONEENTRY_LOGIN, ONEENTRY_PASSWORD',
    ),
  };
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
