/**
 * `npm run send -- <orderId> [--event <name>]`: sends a correctly signed webhook to the local
 * server, as a shop backend would, so nobody has to sign by hand. Finds the server the way
 * `npm run history` finds the table: the `npm start` running on `DATA_DIR`, else `PORT`.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, InvalidOrderIdError } from '../../functions/core/errors';
import { parseOrderId } from '../../functions/core/history/view';
import { localToolEnvironment, nothingRunningMessage } from './runtime-file';
import { readLocalSettings } from './settings';
import { sendSignedWebhook } from './webhook-client';
import { localWebhookSecret, signingSecret } from './webhook-secret';

export const USAGE = 'usage: send <orderId> [--event <name>]';

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function readArgs(argv: string[]): { orderId: number; event: string | undefined } {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { event: { type: 'string' } },
    });
  try {
    parsed = parse();
  } catch (error) {
    const option = /'(-[^']*)'/.exec((error as Error).message)?.[1];
    throw new UsageError(option ? `unknown option ${option}` : 'invalid arguments');
  }
  if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one order id');
  return { orderId: parseOrderId(parsed.positionals[0]), event: parsed.values.event };
}

async function main(): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let args: ReturnType<typeof readArgs>;
  try {
    args = readArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof InvalidOrderIdError)) throw error;
    process.stderr.write(`send: ${error.message} (${USAGE})\n`);
    return 1;
  }
  const settings = readLocalSettings();
  const { running, dataDir } = localToolEnvironment({ DATA_DIR: settings.DATA_DIR });
  const url =
    running?.url ?? (process.env.PORT?.trim() ? `http://127.0.0.1:${settings.PORT}` : undefined);
  if (!url) {
    process.stderr.write(
      `send: ${nothingRunningMessage(dataDir, 'set PORT to where it listens')}\n`,
    );
    return 2;
  }
  const secret = signingSecret(localWebhookSecret(settings.DATA_DIR));
  const answer = await sendSignedWebhook({ url, secret, orderId: args.orderId, event: args.event });
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
          ? 'nothing answers there: is `npm start` running?'
          : error instanceof Error
            ? error.message
            : String(error);
    process.stderr.write(`send: ${reason}\n`);
    process.exit(1);
  },
);
