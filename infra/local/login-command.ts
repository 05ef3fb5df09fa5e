/**
 * `npm run login`: signs the service user in once, with the deployment's device, and stores
 * the tokens in the deployment's shared credential state, so no one copies a refresh token by
 * hand. Locally the table is the running `npm start`'s; in AWS the deployed one (`TABLE_NAME`,
 * `AWS_REGION`). Prints no token, password or fingerprint.
 */
import { oneEntryConfigSchema, readConfig, tableConfigSchema } from '../../functions/core/config';
import { loadOneEntryCredentials } from '../../functions/core/credentials';
import { createDocumentClient } from '../../functions/core/dynamo';
import { authFromEnvironment, loginFields } from '../../functions/core/environment';
import { ConfigError } from '../../functions/core/errors';
import { OneEntryError } from '../../functions/core/oneentry/errors';
import { silentLogger } from '../../functions/core/oneentry/http';

export interface LoginCommandIo {
  env: Record<string, string | undefined>;
  /** Asks for a value; `secret` values are not echoed. */
  ask: (question: string, secret: boolean) => Promise<string>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const WHERE =
  'npm run login needs the table: start `npm start` first (it is found through DATA_DIR), or set TABLE_NAME and AWS_REGION for a deployed stack';

export async function runLoginCommand({
  env,
  ask,
  stdout,
  stderr,
}: LoginCommandIo): Promise<number> {
  let documentClient: ReturnType<typeof createDocumentClient> | undefined;
  try {
    if (!env.TABLE_NAME) throw new ConfigError([WHERE]);
    const table = readConfig(tableConfigSchema, env);
    const { ONEENTRY_LOGIN_FIELDS, ONEENTRY_URL } = readConfig(oneEntryConfigSchema, env);
    const credentials = await loadOneEntryCredentials(env);
    const login = credentials.serviceUser?.login ?? (await ask('OneEntry login: ', false)).trim();
    const password = credentials.serviceUser?.password ?? (await ask('Password: ', true));
    if (!login || !password) throw new ConfigError(['a login and a password are required']);
    documentClient = createDocumentClient({ endpoint: table.DYNAMODB_ENDPOINT });
    const { auth } = await authFromEnvironment(documentClient, table.TABLE_NAME, silentLogger, env);
    await auth.signInNow({ login, password, fields: loginFields(ONEENTRY_LOGIN_FIELDS) });
    stdout(
      `Signed in to ${ONEENTRY_URL}; the tokens are stored in table ${table.TABLE_NAME} and every function uses them from its next call.\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof OneEntryError) {
      stderr(`npm run login: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    documentClient?.destroy();
  }
}
