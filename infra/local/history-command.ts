/**
 * `npm run history`: the audit trail from the local table (`DYNAMODB_ENDPOINT` set) or the
 * deployed one (`TABLE_NAME` + `AWS_REGION`).
 *
 * - `history <orderId> [--json]`: one order, its sessions and its history.
 * - `history --state <state> [--from T] [--to T]`: orders by state, newest change first.
 * - `history --stuck <30m>`: orders still tracked since before that long ago, oldest first.
 * - `history --transitions --from T [--to T] [--status s,…] [--kind k,…]`: history entries.
 *
 * - `history --summary --from T [--to T] [--json] [--html report.html]`: how the payments that
 *   ended in the period ended (counts by final status, time to resolve p50/p95/max).
 *
 * Listings print a table, `--json` (the API's items) or `--csv` (RFC 4180), page by page, with
 * `--limit N` rows at most. Exit codes: 0 found (a listing, even empty); 1 not found or bad
 * arguments; 2 configuration error, which includes a table that cannot be read.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { readConfig, tableConfigSchema, trackerConfigSchema } from '../../functions/core/config';
import { createDocumentClient } from '../../functions/core/dynamo';
import { ConfigError, InvalidOrderIdError } from '../../functions/core/errors';
import { AuditQueries } from '../../functions/core/history/audit';
import { OrderNotFoundError } from '../../functions/core/history/errors';
import { summarisePeriod } from '../../functions/core/history/summary';
import {
  type OrderReader,
  parseOrderId,
  readOrderHistory,
} from '../../functions/core/history/view';
import { SessionStore } from '../../functions/core/store';
import { attachDashValues } from './command-line';
import { formatOrderHistory } from './history-format';
import {
  type Listing,
  parseListing,
  parseSummaryRange,
  UsageError,
  writeListing,
} from './history-listing';
import { formatSummaryHtml, formatSummaryTable } from './summary-format';

export const EXIT = { found: 0, notFound: 1, usage: 1, config: 2 } as const;

export const USAGE =
  'usage: history <orderId> [--json] | history (--state <state> [--from T] [--to T] | --stuck <age> | --transitions --from T [--to T] [--status s,…] [--kind k,…]) [--limit N] [--json | --csv] | history --summary --from T [--to T] [--json] [--html file]';

/** The table settings plus the region, which only the deployed table needs. */
export const historyCliConfigSchema = tableConfigSchema
  .extend({
    /** Region of the deployed table. Required unless `DYNAMODB_ENDPOINT` is set. */
    AWS_REGION: z.string().min(1).optional(),
    POLL_SHARDS: trackerConfigSchema.shape.POLL_SHARDS,
  })
  .refine((config) => config.DYNAMODB_ENDPOINT !== undefined || config.AWS_REGION !== undefined, {
    path: ['AWS_REGION'],
    message: 'is required unless DYNAMODB_ENDPOINT is set',
  });

/** The table the CLIs work on, from `env` (see {@link historyCliConfigSchema}); throws `ConfigError`. */
export function cliTable(env: Record<string, string | undefined>) {
  const config = readConfig(historyCliConfigSchema, env);
  const client = createDocumentClient({
    endpoint: config.DYNAMODB_ENDPOINT,
    region: config.AWS_REGION,
  });
  return { client, tableName: config.TABLE_NAME, pollShards: config.POLL_SHARDS };
}

export interface HistoryCommandIo {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  /** May return a promise: a listing waits for it before the next page (backpressure). */
  stdout: (text: string) => void | Promise<void>;
  stderr: (text: string) => void;
  /** Show a progress line on stderr while a listing runs. Default false. */
  progress?: boolean;
  /** Rows per page a listing asks for. Default the API's maximum (tests page smaller). */
  pageSize?: number;
  /** Injected by tests; by default built from `env`. */
  store?: OrderReader;
  audit?: AuditQueries;
  now?: () => Date;
}

type Args =
  | { mode: 'order'; orderId: number; json: boolean }
  | { mode: 'listing'; listing: Listing }
  | { mode: 'summary'; from: Date; to: Date; json: boolean; html: string | undefined };

const OPTIONS = {
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  state: { type: 'string' },
  stuck: { type: 'string' },
  transitions: { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  status: { type: 'string' },
  kind: { type: 'string' },
  limit: { type: 'string' },
  summary: { type: 'boolean' },
  html: { type: 'string' },
} as const;

function parseCommandLine(argv: readonly string[], now: Date): Args {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({
      args: attachDashValues(argv, OPTIONS),
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const { values, positionals } = parsed;
  if (values.summary) {
    const { summary: _summary, json, html, from, to, ...others } = values;
    if (Object.keys(others).length > 0 || positionals.length > 0) {
      throw new UsageError('--summary takes --from, --to, --json and --html only');
    }
    return { mode: 'summary', ...parseSummaryRange(from, to, now), json: json ?? false, html };
  }
  if (values.html !== undefined) throw new UsageError('--html goes with --summary');
  const listing = values.state !== undefined || values.stuck !== undefined || values.transitions;
  if (!listing) {
    if (values.csv || Object.keys(values).some((name) => name !== 'json')) {
      throw new UsageError('an order id prints one order; --csv and filters are for listings');
    }
    if (positionals.length !== 1) throw new UsageError('expected exactly one order id');
    return { mode: 'order', orderId: parseOrderId(positionals[0]), json: values.json ?? false };
  }
  if (positionals.length > 0) throw new UsageError('a listing takes no order id');
  return { mode: 'listing', listing: parseListing(values, now) };
}

/** Runs the command and returns its exit code; every failure is one line on stderr. */
export async function runHistoryCommand(io: HistoryCommandIo): Promise<number> {
  let args: Args;
  try {
    args = parseCommandLine(io.argv, io.now?.() ?? new Date());
  } catch (error) {
    if (error instanceof UsageError || error instanceof InvalidOrderIdError) {
      io.stderr(`history: ${error.message} (${USAGE})\n`);
      return EXIT.usage;
    }
    throw error;
  }
  let { store, audit } = io;
  let tableName = 'the table';
  if (!store || !audit) {
    try {
      const table = cliTable(io.env);
      tableName = table.tableName;
      store ??= new SessionStore(table);
      audit ??= new AuditQueries(table);
    } catch (error) {
      if (error instanceof ConfigError) {
        io.stderr(`history: ${error.message}\n`);
        return EXIT.config;
      }
      throw error;
    }
  }
  try {
    if (args.mode === 'listing') {
      await writeListing(audit, args.listing, io);
      return EXIT.found;
    }
    if (args.mode === 'summary') {
      const summary = await summarisePeriod(audit, args.from, args.to);
      if (args.html) await writeFile(args.html, formatSummaryHtml(summary));
      const { durationsMs: _durations, ...shown } = summary;
      await io.stdout(
        args.json ? `${JSON.stringify(shown, null, 2)}\n` : formatSummaryTable(summary),
      );
      return EXIT.found;
    }
    const view = await readOrderHistory(store, args.orderId);
    await io.stdout(args.json ? `${JSON.stringify(view, null, 2)}\n` : formatOrderHistory(view));
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
