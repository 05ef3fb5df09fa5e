import { describe, expect, it } from 'vitest';
import { oneEntryConfigSchema, readConfig, trackerConfigSchema } from '../../functions/core/config';
import { loadOneEntryCredentials } from '../../functions/core/credentials';
import { ConfigError } from '../../functions/core/errors';

describe('readConfig', () => {
  it('applies the documented defaults', () => {
    expect(readConfig(trackerConfigSchema, {})).toMatchObject({
      PENDING_STATUSES: ['waiting'],
      MAX_TRACKING_HOURS: 24,
      POLL_CONCURRENCY: 16,
    });
  });

  it('parses a comma-separated list of pending statuses', () => {
    expect(
      readConfig(trackerConfigSchema, { PENDING_STATUSES: 'waiting, processing ,' })
        .PENDING_STATUSES,
    ).toEqual(['waiting', 'processing']);
  });

  it('names each invalid setting', () => {
    try {
      readConfig(trackerConfigSchema, { POLL_CONCURRENCY: 'lots', MAX_TRACKING_HOURS: '-1' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('POLL_CONCURRENCY');
      expect((error as Error).message).toContain('MAX_TRACKING_HOURS');
    }
  });

  it('needs an app token, and naming it never shows a value', async () => {
    const attempt = loadOneEntryCredentials({ ONEENTRY_ACCESS_TOKEN: 'user-secret-value' });
    await expect(attempt).rejects.toThrow(/ONEENTRY_APP_TOKEN is required/);
    await expect(attempt).rejects.not.toThrow(/user-secret-value/);
  });

  it('accepts an app token alone: the user tokens may already be in the shared state', async () => {
    expect(await loadOneEntryCredentials({ ONEENTRY_APP_TOKEN: 'app' })).toEqual({
      appToken: 'app',
      seed: { accessToken: undefined, refreshToken: undefined },
      serviceUser: undefined,
    });
  });

  it('takes a service user only with both login and password', async () => {
    const half = loadOneEntryCredentials({ ONEENTRY_APP_TOKEN: 'app', ONEENTRY_LOGIN: 'me' });
    await expect(half).rejects.toThrow(/login and password go together/);
    const whole = await loadOneEntryCredentials({
      ONEENTRY_APP_TOKEN: 'app',
      ONEENTRY_LOGIN: 'me',
      ONEENTRY_PASSWORD: ' spaces kept ',
    });
    expect(whole.serviceUser).toEqual({ login: 'me', password: ' spaces kept ' });
  });

  it('reads the login form markers as two comma-separated names', () => {
    const required = { ONEENTRY_URL: 'https://example.test' };
    expect(readConfig(oneEntryConfigSchema, required).ONEENTRY_LOGIN_FIELDS).toEqual([
      'login',
      'password',
    ]);
    expect(
      readConfig(oneEntryConfigSchema, { ...required, ONEENTRY_LOGIN_FIELDS: 'email, pass' })
        .ONEENTRY_LOGIN_FIELDS,
    ).toEqual(['email', 'pass']);
    expect(() =>
      readConfig(oneEntryConfigSchema, { ...required, ONEENTRY_LOGIN_FIELDS: 'email' }),
    ).toThrow(/ONEENTRY_LOGIN_FIELDS/);
  });
});
