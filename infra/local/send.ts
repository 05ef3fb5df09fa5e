/**
 * `npm run send -- <orderId> [--event <name>]`: sends a correctly signed webhook to the local
 * server, as a shop backend would, so nobody has to sign by hand.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../functions/core/errors';
import { readLocalSettings } from './settings';
import { sendSignedWebhook } from './webhook-client';
import { localWebhookSecret, signingSecret } from './webhook-secret';

async function main(): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { event: { type: 'string' } },
  });
  const orderId = Number(positionals[0]);
  if (!Number.isSafeInteger(orderId) || orderId <= 0) {
    process.stderr.write('usage: npm run send -- <orderId> [--event <name>]\n');
    return 1;
  }
  const settings = readLocalSettings();
  const secret = signingSecret(localWebhookSecret(settings.DATA_DIR));
  const answer = await sendSignedWebhook({
    url: `http://127.0.0.1:${settings.PORT}`,
    secret,
    orderId,
    event: values.event,
  });
  process.stdout.write(`${answer.status} ${answer.body}\n`);
  return answer.status >= 200 && answer.status < 300 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const reason =
      error instanceof ConfigError
        ? error.message
        : error instanceof TypeError && String(error.cause).includes('ECONNREFUSED')
          ? 'nothing answers on the local port: is `npm start` running?'
          : error instanceof Error
            ? error.message
            : String(error);
    process.stderr.write(`send: ${reason}\n`);
    process.exit(1);
  },
);
