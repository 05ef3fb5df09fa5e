/**
 * The CLI's audit listings: options mapped onto the API's own parameters (so both check them
 * with the same rules), then every page written as it arrives, waiting for stdout to drain, so
 * a million rows neither wait for the last page nor fill memory.
 */
import type {
  AuditQueries,
  OrdersQuery,
  StuckQuery,
  TransitionsQuery,
} from '../../functions/core/history/audit';
import { LISTING_LIMIT } from '../../functions/core/history/audit';
import {
  InvalidParametersError,
  parseOrdersParameters,
  parseTransitionsParameters,
} from '../../functions/core/history/listing-params';
import { parseDuration } from '../../functions/core/history/times';
import {
  type ListingFormat,
  listingWriter,
  ORDER_COLUMNS,
  TRANSITION_COLUMNS,
} from './listing-format';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type Listing = {
  format: ListingFormat;
  /** Rows at most; undefined: all. */
  maxRows: number | undefined;
} & (
  | { listing: 'orders'; query: OrdersQuery }
  | { listing: 'stuck'; query: StuckQuery }
  | { listing: 'transitions'; query: TransitionsQuery }
);

export interface ListingOptions {
  json?: boolean | undefined;
  csv?: boolean | undefined;
  state?: string | undefined;
  stuck?: string | undefined;
  transitions?: boolean | undefined;
  from?: string | undefined;
  to?: string | undefined;
  status?: string | undefined;
  kind?: string | undefined;
  limit?: string | undefined;
}

const ROWS = /^[1-9][0-9]*$/;

/** The listing the options ask for; throws `UsageError` naming the bad option. */
export function parseListing(options: ListingOptions, now: Date): Listing {
  if (options.json && options.csv) throw new UsageError('--json and --csv exclude each other');
  if (options.limit !== undefined && !ROWS.test(options.limit)) {
    throw new UsageError('--limit must be a positive integer');
  }
  const common = {
    format: options.csv ? 'csv' : options.json ? 'json' : 'table',
    maxRows: options.limit === undefined ? undefined : Number(options.limit),
  } as const;
  // Each API parameter and the option that fills it.
  const optionOf: Record<string, string> = {};
  const params = new URLSearchParams();
  const put = (parameter: string, option: string, value: string | undefined) => {
    optionOf[parameter] = `--${option}`;
    if (value !== undefined) params.set(parameter, value);
  };
  try {
    if (options.transitions) {
      if (options.state !== undefined || options.stuck !== undefined) {
        throw new UsageError('--transitions lists history entries: no --state or --stuck');
      }
      put('from', 'from', options.from);
      put('to', 'to', options.to);
      put('status', 'status', options.status);
      put('kind', 'kind', options.kind);
      return { ...common, listing: 'transitions', query: parseTransitionsParameters(params, now) };
    }
    if (options.status !== undefined || options.kind !== undefined) {
      throw new UsageError('--status and --kind filter --transitions');
    }
    put('state', 'state', options.state ?? (options.stuck !== undefined ? 'tracking' : undefined));
    put('changedAfter', 'from', options.from);
    put('changedBefore', 'to', options.to);
    // `--stuck 30m` means tracked since before 30 minutes ago; an instant is taken as it is.
    const stuck = options.stuck;
    put(
      'trackedBefore',
      'stuck',
      stuck && parseDuration(stuck) !== undefined ? `-${stuck}` : stuck,
    );
    const request = parseOrdersParameters(params, now);
    return { ...common, ...request };
  } catch (error) {
    if (!(error instanceof InvalidParametersError)) throw error;
    const [first] = error.errors;
    throw new UsageError(
      `${optionOf[first?.parameter ?? ''] ?? first?.parameter} ${first?.detail ?? 'is invalid'}`,
    );
  }
}

/** `--from`/`--to` of `--summary`, checked by the same rules as a transitions listing. */
export function parseSummaryRange(
  from: string | undefined,
  to: string | undefined,
  now: Date,
): { from: Date; to: Date } {
  const params = new URLSearchParams();
  if (from !== undefined) params.set('from', from);
  if (to !== undefined) params.set('to', to);
  try {
    const query = parseTransitionsParameters(params, now);
    return { from: query.from, to: query.to ?? now };
  } catch (error) {
    if (!(error instanceof InvalidParametersError)) throw error;
    const [first] = error.errors;
    throw new UsageError(`--${first?.parameter} ${first?.detail}`);
  }
}

interface ListingIo {
  stdout: (text: string) => void | Promise<void>;
  stderr: (text: string) => void;
  progress?: boolean | undefined;
  /** Rows per page asked of the table. Default the API's maximum. */
  pageSize?: number | undefined;
}

/** Writes the listing page by page; returns the rows written. */
export async function writeListing(
  audit: Pick<AuditQueries, 'orders' | 'stuck' | 'transitions'>,
  listing: Listing,
  io: ListingIo,
): Promise<number> {
  const fetchPage = (limit: number, cursor: string | undefined) => {
    switch (listing.listing) {
      case 'orders':
        return audit.orders({ ...listing.query, limit, cursor });
      case 'stuck':
        return audit.stuck({ ...listing.query, limit, cursor });
      case 'transitions':
        return audit.transitions({ ...listing.query, limit, cursor });
    }
  };
  const writer =
    listing.listing === 'transitions'
      ? listingWriter(listing.format, TRANSITION_COLUMNS, 'transition')
      : listingWriter(listing.format, ORDER_COLUMNS, 'order');
  const write = writer.rows as (items: readonly unknown[], first: boolean) => string;
  await io.stdout(writer.head());
  let rows = 0;
  let cursor: string | undefined;
  do {
    const remaining = listing.maxRows === undefined ? Infinity : listing.maxRows - rows;
    const page = await fetchPage(Math.min(io.pageSize ?? LISTING_LIMIT.max, remaining), cursor);
    if (page.items.length > 0) await io.stdout(write(page.items, rows === 0));
    rows += page.items.length;
    cursor = rows === listing.maxRows ? undefined : (page.nextCursor ?? undefined);
    if (io.progress && cursor) io.stderr(`\rhistory: ${rows} rows so far…`);
  } while (cursor);
  if (io.progress && rows > 0) io.stderr(`\rhistory: ${rows} rows.          \n`);
  await io.stdout(writer.tail(rows));
  return rows;
}
