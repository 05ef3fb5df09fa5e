/**
 * `npm run republish`: sends recorded history entries as events again, with their original
 * `eventId`s, when events were not published (see the README's runbook):
 *
 *   --order <orderId>                     every entry of one order
 *   --from <time> --to <time>             entries observed in the range (inclusive), in time
 *     [--kind <kind>] [--status <status>]   order, optionally only of one kind or status
 *   --from-dlq [--queue-url <url>]        what the publisher's failure destination holds; each
 *                                         message is deleted once its events went out
 *   --dry-run                             list what would be sent, send and delete nothing
 *
 * Reads the table (`TABLE_NAME`, `DYNAMODB_ENDPOINT` or `AWS_REGION`), publishes to
 * `EVENT_BUS_NAME` (or `EVENTBRIDGE_ENDPOINT`), reads the queue `--queue-url` /
 * `PUBLISHER_DLQ_URL` or the file `DEAD_LETTER_FILE`. Exit codes: 0 all sent; 1 bad arguments
 * or something could not be sent; 2 configuration error or unreadable table.
 */
import { parseArgs as parseNodeArgs } from 'node:util';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { eventConfigSchema, readConfig } from '../../functions/core/config';
import { createDocumentClient } from '../../functions/core/dynamo';
import { ConfigError, InvalidOrderIdError } from '../../functions/core/errors';
import { createEventBridgeClient } from '../../functions/core/events/client';
import { EventPublisher } from '../../functions/core/events/publisher';
import {
  type DeadLetterSource,
  Republisher,
  type RepublishProgress,
  redriveDeadLetters,
} from '../../functions/core/events/republish';
import { HISTORY_KINDS } from '../../functions/core/history/listing-params';
import {
  HistoryReader,
  InvalidTimeRangeError,
  timeRange,
} from '../../functions/core/history/reader';
import { parseOrderId } from '../../functions/core/history/view';
import type { HistoryKind } from '../../functions/core/model';
import { attachDashValues } from './command-line';
import { FileDeadLetters, SqsDeadLetters } from './dead-letter-sources';
import { historyCliConfigSchema } from './history-command';

export const EXIT = { ok: 0, failed: 1, usage: 1, config: 2 } as const;

export const USAGE =
  'usage: republish (--order <orderId> | --from <time> --to <time> [--kind <kind>] [--status <status>] | --from-dlq [--queue-url <url>]) [--dry-run]';

/** How often a long run reports progress on stderr, in ms. */
const PROGRESS_EVERY_MS = 2000;

export const republishConfigSchema = z.intersection(
  historyCliConfigSchema,
  eventConfigSchema.extend({
    /** Endpoint override (the local event sink). Default: the AWS regional endpoint. */
    EVENTBRIDGE_ENDPOINT: z.url().optional(),
    /** The publisher's on-failure queue (stack output `PublisherDeadLetterQueueUrl`). */
    PUBLISHER_DLQ_URL: z.url().optional(),
    /** Local runtime only: the dead-letter file that stands in for the queue. */
    DEAD_LETTER_FILE: z.string().min(1).optional(),
  }),
);

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Selection =
  | { mode: 'order'; orderId: number }
  | { mode: 'range'; from: Date; to: Date; kinds?: HistoryKind[]; statuses?: string[] }
  | { mode: 'dlq'; queueUrl?: string | undefined };

interface Args {
  selection: Selection;
  dryRun: boolean;
}

const OPTIONS = {
  order: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  kind: { type: 'string' },
  status: { type: 'string' },
  'from-dlq': { type: 'boolean' },
  'queue-url': { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

function parseArgs(argv: readonly string[]): Args {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseNodeArgs({
      args: attachDashValues(argv, OPTIONS),
      strict: true,
      allowPositionals: false,
      options: OPTIONS,
    });
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'invalid arguments');
  }
  const { values } = parsed;
  const modes = [
    values.order !== undefined,
    values.from !== undefined || values.to !== undefined,
    values['from-dlq'] === true,
  ].filter(Boolean).length;
  if (modes !== 1) throw new UsageError('choose exactly one of --order, --from/--to, --from-dlq');
  const dryRun = values['dry-run'] === true;
  if (values.order !== undefined) {
    return { selection: { mode: 'order', orderId: parseOrderId(values.order) }, dryRun };
  }
  if (values['from-dlq']) {
    return { selection: { mode: 'dlq', queueUrl: values['queue-url'] }, dryRun };
  }
  if (values.from === undefined || values.to === undefined) {
    throw new UsageError('--from and --to go together');
  }
  const kind = values.kind;
  if (kind !== undefined && !HISTORY_KINDS.includes(kind as HistoryKind)) {
    throw new UsageError(`--kind must be one of ${HISTORY_KINDS.join(', ')}`);
  }
  return {
    selection: {
      mode: 'range',
      ...timeRange(values.from, values.to),
      ...(kind ? { kinds: [kind as HistoryKind] } : {}),
      ...(values.status ? { statuses: [values.status] } : {}),
    },
    dryRun,
  };
}

export interface RepublishCommandIo {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Items per Query page. Default 100 (tests make it small to cross pages). */
  pageSize?: number;
}

const describeProgress = (progress: RepublishProgress, dryRun: boolean) =>
  `read ${progress.read}, ${dryRun ? 'would send' : 'sent'} ${progress.published}, failed ${progress.failed}${progress.duplicates ? `, ${progress.duplicates} already sent in this run` : ''}`;

/** Runs the command and returns its exit code; every failure is one line on stderr. */
export async function runRepublishCommand(io: RepublishCommandIo): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(io.argv);
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof InvalidOrderIdError ||
      error instanceof InvalidTimeRangeError
    ) {
      io.stderr(`republish: ${error.message} (${USAGE})\n`);
      return EXIT.usage;
    }
    throw error;
  }
  let config: z.output<typeof republishConfigSchema>;
  try {
    config = readConfig(republishConfigSchema, io.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`republish: ${error.message}\n`);
      return EXIT.config;
    }
    throw error;
  }
  const client = createDocumentClient({
    endpoint: config.DYNAMODB_ENDPOINT,
    region: config.AWS_REGION,
  });
  const events = createEventBridgeClient({ endpoint: config.EVENTBRIDGE_ENDPOINT });
  const sqs = new SQSClient(config.AWS_REGION ? { region: config.AWS_REGION } : {});
  try {
    const reader = new HistoryReader({
      client,
      tableName: config.TABLE_NAME,
      pageSize: io.pageSize,
    });
    let lastReport = Date.now();
    const republisher = new Republisher({
      publisher: new EventPublisher({
        client: events,
        source: config.EVENT_SOURCE,
        eventBusName: config.EVENT_BUS_NAME,
      }),
      dryRun: args.dryRun,
      onDryRun: (entry) =>
        io.stdout(
          `would send ${entry.eventId}  order ${entry.orderId}  ${entry.kind}  ${entry.status ?? '-'}  observed ${entry.observedAt}\n`,
        ),
      onProgress: (progress) => {
        if (Date.now() - lastReport < PROGRESS_EVERY_MS) return;
        lastReport = Date.now();
        io.stderr(`republish: ${describeProgress(progress, args.dryRun)}…\n`);
      },
    });
    const { selection } = args;
    let kept: { id: string; reason: string }[] = [];
    if (selection.mode === 'order') {
      await republisher.publishAll(reader.ofOrder(selection.orderId));
    } else if (selection.mode === 'range') {
      await republisher.publishAll(reader.inRange(selection));
    } else {
      const source = deadLetterSource(selection.queueUrl ?? config.PUBLISHER_DLQ_URL, config, sqs);
      if (!source) {
        io.stderr(
          'republish: --from-dlq needs the queue: --queue-url <url> or PUBLISHER_DLQ_URL (the stack output PublisherDeadLetterQueueUrl); locally, start npm start first\n',
        );
        return EXIT.config;
      }
      const result = await redriveDeadLetters(source, reader, republisher);
      kept = result.kept;
      io.stdout(
        `${source.name}: ${result.handled} message(s) ${args.dryRun ? 'would be handled' : 'handled and deleted'}, ${kept.length} kept\n`,
      );
      for (const message of kept) io.stderr(`republish: kept ${message.id}: ${message.reason}\n`);
    }
    for (const failure of republisher.failures) {
      io.stderr(`republish: ${failure.eventId} failed: ${failure.errorCode}: ${failure.reason}\n`);
    }
    io.stdout(
      `${args.dryRun ? 'dry run: ' : ''}${describeProgress(republisher.progress, args.dryRun)}\n`,
    );
    return republisher.failures.length > 0 || kept.length > 0 ? EXIT.failed : EXIT.ok;
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    io.stderr(`republish: cannot read ${config.TABLE_NAME}: ${reason.split('\n')[0]}\n`);
    return EXIT.config;
  } finally {
    client.destroy();
    events.destroy();
    sqs.destroy();
  }
}

function deadLetterSource(
  queueUrl: string | undefined,
  config: { DEAD_LETTER_FILE?: string | undefined },
  sqs: SQSClient,
): DeadLetterSource | undefined {
  if (queueUrl) return new SqsDeadLetters(sqs, queueUrl);
  if (config.DEAD_LETTER_FILE) return new FileDeadLetters(config.DEAD_LETTER_FILE);
  return undefined;
}
