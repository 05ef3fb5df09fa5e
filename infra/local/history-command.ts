/**
 * `npm run history -- <orderId> [--json]`: prints an order's audit trail from the local table
 * (`DYNAMODB_ENDPOINT` set) or the deployed one (`TABLE_NAME` + `AWS_REGION`).
 *
 * Exit codes: 0 found; 1 not found or bad arguments; 2 configuration error, which includes a
 * table that cannot be read (wrong name, endpoint, region or credentials).
 */
import { z } from 'zod';
import { readConfig, tableConfigSchema } from '../../functions/core/config';
import { createDocumentClient } from '../../functions/core/dynamo';
import { ConfigError, InvalidOrderIdError } from '../../functions/core/errors';
import { OrderNotFoundError } from '../../functions/core/history/errors';
import {
  type OrderReader,
  parseOrderId,
  readOrderHistory,
} from '../../functions/core/history/view';
import { SessionStore } from '../../functions/core/store';
import { formatOrderHistory } from './history-format';

export const EXIT = { found: 0, notFound: 1, usage: 1, config: 2 } as const;

export const USAGE = 'usage: history <orderId> [--json]';

/** The table settings plus the region, which only the deployed table needs. */
export const historyCliConfigSchema = tableConfigSchema
  .extend({
    /** Region of the deployed table. Required unless `DYNAMODB_ENDPOINT` is set. */
    AWS_REGION: z.string().min(1).optional(),
  })
  .refine((config) => config.DYNAMODB_ENDPOINT !== undefined || config.AWS_REGION !== undefined, {
    path: ['AWS_REGION'],
    message: 'is required unless DYNAMODB_ENDPOINT is set',
  });

export interface HistoryCommandIo {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Injected by tests; by default built from `env`. */
  store?: OrderReader;
}

interface Args {
  orderId: number;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const json = argv.includes('--json');
  const unknown = argv.filter(
    (arg) => arg.startsWith('-') && arg !== '--json' && !/^-\d/.test(arg),
  );
  if (unknown.length > 0) throw new UsageError(`unknown option ${unknown[0]}`);
  const positional = argv.filter((arg) => arg !== '--json' && !unknown.includes(arg));
  if (positional.length !== 1) throw new UsageError('expected exactly one order id');
  return { orderId: parseOrderId(positional[0]), json };
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Runs the command and returns its exit code; every failure is one line on stderr. */
export async function runHistoryCommand(io: HistoryCommandIo): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(io.argv);
  } catch (error) {
    if (error instanceof UsageError || error instanceof InvalidOrderIdError) {
      io.stderr(`history: ${error.message} (${USAGE})\n`);
      return EXIT.usage;
    }
    throw error;
  }
  let store = io.store;
  let tableName = 'the table';
  if (!store) {
    try {
      const config = readConfig(historyCliConfigSchema, io.env);
      tableName = config.TABLE_NAME;
      const client = createDocumentClient({
        endpoint: config.DYNAMODB_ENDPOINT,
        region: config.AWS_REGION,
      });
      store = new SessionStore({ client, tableName });
    } catch (error) {
      if (error instanceof ConfigError) {
        io.stderr(`history: ${error.message}\n`);
        return EXIT.config;
      }
      throw error;
    }
  }
  try {
    const view = await readOrderHistory(store, args.orderId);
    io.stdout(args.json ? `${JSON.stringify(view, null, 2)}\n` : formatOrderHistory(view));
    return EXIT.found;
  } catch (error) {
    if (error instanceof OrderNotFoundError) {
      io.stderr(`history: ${error.message} (table ${tableName})\n`);
      return EXIT.notFound;
    }
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    io.stderr(`history: cannot read ${tableName}: ${reason.split('\n')[0]}\n`);
    return EXIT.config;
  }
}
