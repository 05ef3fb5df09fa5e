import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const WEBHOOK_SECRET_FILE = 'webhook-secret';

/**
 * The local webhook secret: `WEBHOOK_SECRET` if set, else one generated once into the data dir
 * (readable by its owner only) so `npm run send` and the server agree across restarts.
 */
export function localWebhookSecret(dataDir: string, env = process.env): string {
  const configured = env.WEBHOOK_SECRET?.trim();
  if (configured) return configured;
  const file = join(dataDir, WEBHOOK_SECRET_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** The secret a sender signs with: the first of the active (comma-separated) ones. */
export const signingSecret = (secrets: string): string => secrets.split(',')[0]?.trim() ?? '';

/**
 * A secret as the console may show it: the `whsec_` prefix and four characters at each end of
 * each (comma-separated) secret, so two can be told apart but neither can be used.
 */
export const maskSecret = (secrets: string): string =>
  secrets
    .split(',')
    .map((secret) => {
      const value = secret.trim();
      const prefix = value.startsWith('whsec_') ? 'whsec_' : '';
      const key = value.slice(prefix.length);
      return key.length > 16 ? `${prefix}${key.slice(0, 4)}…${key.slice(-4)}` : `${prefix}…`;
    })
    .join(', ');
