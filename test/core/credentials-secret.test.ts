/**
 * The OneEntry secret as the functions read it in AWS. Secrets Manager has no local stand-in,
 * so its client is stubbed here (aws-sdk-client-mock); everything after the read is real.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadOneEntryCredentials, PLACEHOLDER_APP_TOKEN } from '../../functions/core/credentials';

const secrets = mockClient(SecretsManagerClient);
let arn = 0;
const nextArn = () => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:oneentry-${++arn}`;

beforeAll(() => {
  process.env.AWS_REGION ??= 'eu-west-1';
});
beforeEach(() => secrets.reset());
afterAll(() => secrets.restore());

function secretHolds(value: unknown): string {
  const secretArn = nextArn();
  secrets.on(GetSecretValueCommand, { SecretId: secretArn }).resolves({
    SecretString: JSON.stringify(value),
  });
  return secretArn;
}

describe('the OneEntry secret', () => {
  it('reads the placeholder the stack created as "not configured", naming what to put in it', async () => {
    const secretArn = secretHolds({ appToken: PLACEHOLDER_APP_TOKEN, placeholder: 'x1y2z3' });
    const credentials = await loadOneEntryCredentials({ ONEENTRY_SECRET_ARN: secretArn });
    expect(credentials.notConfigured).toMatch(/placeholder.*"login", "password"/);
  });

  it('reads a service user and seeds from the secret', async () => {
    const secretArn = secretHolds({
      appToken: 'app',
      login: 'watcher@example.test',
      password: 'pw',
      refreshToken: 'seed-rt',
    });
    expect(await loadOneEntryCredentials({ ONEENTRY_SECRET_ARN: secretArn })).toEqual({
      appToken: 'app',
      seed: { accessToken: undefined, refreshToken: 'seed-rt' },
      serviceUser: { login: 'watcher@example.test', password: 'pw' },
      notConfigured: undefined,
    });
  });

  it('refuses a secret that is not the documented JSON, without echoing it', async () => {
    const secretArn = secretHolds({ token: 'very-secret-value' });
    const attempt = loadOneEntryCredentials({ ONEENTRY_SECRET_ARN: secretArn });
    await expect(attempt).rejects.toThrow(/must be JSON \{"appToken"/);
    await expect(attempt).rejects.not.toThrow(/very-secret-value/);
  });
});
