import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  discoveryConfigSchema,
  eventConfigSchema,
  oneEntryConfigSchema,
  tableConfigSchema,
  trackerConfigSchema,
} from '../../functions/core/config';
import { publisherConfigSchema } from '../../functions/core/events/config';
import { localSettingsSchema } from '../../infra/local/settings';

const example = readFileSync(join(import.meta.dirname, '..', '..', '.env.example'), 'utf8');
const listed = new Map(
  example
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
);

const schemas: z.ZodObject[] = [
  tableConfigSchema,
  oneEntryConfigSchema,
  trackerConfigSchema,
  discoveryConfigSchema,
  eventConfigSchema,
  publisherConfigSchema,
  localSettingsSchema,
];

describe('.env.example', () => {
  it('lists every setting the code reads, with the default the code applies', () => {
    for (const schema of schemas) {
      // The required settings get stand-ins, so every default is applied.
      const required = { TABLE_NAME: 't', ONEENTRY_URL: 'https://example.test' };
      const defaults = schema.safeParse(required);
      for (const key of Object.keys(schema.shape)) {
        expect(listed.has(key), `${key} missing from .env.example`).toBe(true);
        expect(defaults.success).toBe(true);
        const applied = (defaults.data as Record<string, unknown>)[key];
        if (applied !== undefined && !(key in required)) {
          expect(listed.get(key), key).toBe(
            Array.isArray(applied) ? applied.join(',') : String(applied),
          );
        }
      }
    }
  });

  it('lists the credentials and secrets variables, with no value', () => {
    for (const key of [
      'ONEENTRY_APP_TOKEN',
      'ONEENTRY_ACCESS_TOKEN',
      'ONEENTRY_REFRESH_TOKEN',
      'ONEENTRY_LOGIN',
      'ONEENTRY_PASSWORD',
      'ONEENTRY_DEVICE_ID',
      'WEBHOOK_SECRET',
    ]) {
      expect(listed.get(key)).toBe('');
    }
  });
});
