/**
 * `npm run untrack -- <orderId> [--reason <text>] [--json]`: stops tracking an order announced
 * by mistake, as `DELETE /orders/{orderId}` does (same core, same rules), on the local table
 * (`DYNAMODB_ENDPOINT` set, or the running `npm start`) or the deployed one (`TABLE_NAME` +
 * `AWS_REGION`, with AWS credentials allowed to write the table).
 *
 * Prints the order after the stop (as `npm run history` does), or `{ stopped, order }` with
 * `--json`. Running it again is harmless: the order is shown, nothing is written. Exit codes:
 * 0 stopped (or stopped already); 1 bad arguments, unknown order, or an order that resolved or
 * expired on its own; 2 configuration error, which includes a table that cannot be reached.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError, InvalidOrderIdError } from '../../functions/core/errors';
import { OrderNotFoundError } from '../../functions/core/history/errors';
import { parseOrderId } from '../../functions/core/history/view';
import { SessionStore } from '../../functions/core/store';
import {
  isUntrackReason,
  OrderNotTrackedError,
  UNTRACK_REASON_RULE,
  untrackOrder,
} from '../../functions/core/untrack';
import { attachDashValues } from './command-line';
import { cliTable } from './history-command';
import { formatOrderHistory } from './history-format';

export const EXIT = { stopped: 0, usage: 1, notFound: 1, notTracked: 1, config: 2 } as const;

export const USAGE = 'usage: untrack <orderId> [--reason <text>] [--json]';

export interface UntrackCommandIo {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Injected by tests; by default built from `env`. */
  store?: SessionStore;
  /** Who is asking, for the entry's `requestedBy`. Default the OS user. */
  user?: string;
  now?: () => Date;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const OPTIONS = { reason: { type: 'string' }, json: { type: 'boolean' } } as const;

function parseCommandLine(argv: readonly string[]) {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      // A reason may start with a dash (`--reason -typo`), as a relative time may elsewhere.
      args: attachDashValues(argv, OPTIONS),
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('expected exactly one order id');
  if (values.reason !== undefined && !isUntrackReason(values.reason)) {
    throw new UsageError(`--reason ${UNTRACK_REASON_RULE}`);
  }
  return { orderId: parseOrderId(positionals[0]), reason: values.reason, json: values.json };
}

function osUser(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined; // no passwd entry (some containers): the command still says it asked
  }
}

/** Runs the command and returns its exit code; every failure is one line on stderr. */
export async function runUntrackCommand(io: UntrackCommandIo): Promise<number> {
  let args: ReturnType<typeof parseCommandLine>;
  try {
    args = parseCommandLine(io.argv);
  } catch (error) {
    if (error instanceof UsageError || error instanceof InvalidOrderIdError) {
      io.stderr(`untrack: ${error.message} (${USAGE})\n`);
      return EXIT.usage;
    }
    throw error;
  }
  let { store } = io;
  let tableName = 'the table';
  if (!store) {
    try {
      const table = cliTable(io.env);
      tableName = table.tableName;
      store = new SessionStore(table);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      io.stderr(`untrack: ${error.message}\n`);
      return EXIT.config;
    }
  }
  const user = io.user ?? osUser();
  try {
    const result = await untrackOrder(
      store,
      args.orderId,
      { reason: args.reason, requestedBy: `npm run untrack${user ? ` (${user})` : ''}` },
      io.now,
    );
    if (args.json) {
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const stop = result.order.history.findLast((item) => item.kind === 'untracked');
      io.stdout(
        `${result.stopped ? 'Stopped tracking' : 'Already stopped, nothing written:'} order ${args.orderId} (at ${stop?.observedAt ?? '?'}).\n\n${formatOrderHistory(result.order)}`,
      );
    }
    return EXIT.stopped;
  } catch (error) {
    if (error instanceof OrderNotFoundError || error instanceof OrderNotTrackedError) {
      io.stderr(`untrack: ${error.message} (table ${tableName})\n`);
      return error instanceof OrderNotFoundError ? EXIT.notFound : EXIT.notTracked;
    }
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    io.stderr(`untrack: cannot write ${tableName}: ${reason.split('\n')[0]}\n`);
    return EXIT.config;
  }
}
