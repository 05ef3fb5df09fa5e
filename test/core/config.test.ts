import { describe, expect, it } from 'vitest';
import { readConfig, trackerConfigSchema } from '../../functions/core/config';
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

  it('refuses OneEntry credentials without a user token, naming the variables and not their values', async () => {
    const attempt = loadOneEntryCredentials({ ONEENTRY_APP_TOKEN: 'app-secret-value' });
    await expect(attempt).rejects.toThrow(/ONEENTRY_ACCESS_TOKEN or ONEENTRY_REFRESH_TOKEN/);
    await expect(attempt).rejects.not.toThrow(/app-secret-value/);
  });
});
