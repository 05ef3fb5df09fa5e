/**
 * `npm run bench -- --export`: a CSV export of many transitions with `npm run history --
 * --transitions --csv`, in process, to a file, sampling memory on every page. Prints one JSON
 * object on stdout: rows, wall time, and peak heap and RSS against the start, which stay flat
 * however many rows are exported (the rows are streamed, never collected).
 *
 *   NODE_OPTIONS=--expose-gc npm run bench -- --export --transitions 100000
 */
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/core/dynamo';
import { AuditQueries } from '../../functions/core/history/audit';
import type { HistoryEntry } from '../../functions/core/model';
import { SessionStore } from '../../functions/core/store';
import {
  createTableInput,
  ENTITY,
  ENTITY_ATTRIBUTE,
  historyIndexKeys,
  historySortKey,
  orderKey,
} from '../../functions/core/table';
import { eventIdFor } from '../../functions/core/transitions';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local';
import { runHistoryCommand } from '../../infra/local/history-command';

const { values } = parseArgs({
  options: {
    export: { type: 'boolean' },
    transitions: { type: 'string', default: '100000' },
  },
});
const total = Number(values.transitions);
const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const START = Date.parse('2026-11-01T00:00:00.000Z');
/** Spread over two days: one entry every ~1.7 s at 100,000. */
const SPAN_MS = 2 * 86_400_000;

/** A history item as the store writes it (keys, index keys, entry). */
function historyItem(index: number) {
  const orderId = 1_000 + Math.floor(index / 3);
  const seq = (index % 3) + 1;
  const entry: HistoryEntry = {
    orderId,
    sessionId: orderId * 10,
    kind: seq === 3 ? 'resolved' : seq === 1 ? 'observed' : 'changed',
    seq,
    previousStatus: seq === 1 ? null : 'waiting',
    status: seq === 3 ? 'completed' : 'waiting',
    resolved: seq === 3,
    observedAt: new Date(START + Math.floor((index * SPAN_MS) / total)).toISOString(),
    eventId: eventIdFor(orderId, orderId * 10, seq),
    amount: 49.9,
  };
  return {
    ...orderKey(orderId),
    sk: historySortKey(entry.observedAt, orderId * 10, seq),
    [ENTITY_ATTRIBUTE]: ENTITY.history,
    ...historyIndexKeys(entry),
    ...entry,
  };
}

// The full tiered JIT: the README's figures are measured at peak throughput.
const dynamo = await startDynamoDbLocal({ jvmOptions: [] });
const dir = mkdtempSync(join(tmpdir(), 'bench-export-'));
try {
  const client = createDocumentClient({ endpoint: dynamo.endpoint });
  const tableName = 'bench-export';
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  progress(`seeding ${total} transitions`);
  const batches = Math.ceil(total / 25);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let batch = next++; batch < batches; batch = next++) {
        let requests = Array.from({ length: Math.min(25, total - batch * 25) }, (_, i) => ({
          PutRequest: { Item: historyItem(batch * 25 + i) },
        })) as { PutRequest: { Item: Record<string, unknown> } }[] | undefined;
        while (requests && requests.length > 0) {
          const result = await client.send(
            new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
          );
          requests = result.UnprocessedItems?.[tableName] as typeof requests;
        }
        if (batch % 400 === 0) progress(`seeded ${batch * 25}`);
      }
    }),
  );
  global.gc?.();
  const file = join(dir, 'transitions.csv');
  const out = createWriteStream(file);
  const start = process.memoryUsage();
  let peakHeap = start.heapUsed;
  let peakRss = start.rss;
  const sample = () => {
    const now = process.memoryUsage();
    peakHeap = Math.max(peakHeap, now.heapUsed);
    peakRss = Math.max(peakRss, now.rss);
  };
  progress('exporting');
  const started = performance.now();
  const code = await runHistoryCommand({
    argv: ['--transitions', '--from', '2026-11-01', '--to', '2026-11-03', '--csv'],
    env: {},
    store: new SessionStore({ client, tableName }),
    audit: new AuditQueries({ client, tableName }),
    stdout: (text) => {
      sample();
      return out.write(text) ? undefined : once(out, 'drain').then(() => undefined);
    },
    stderr: (text) => process.stderr.write(text),
  });
  out.end();
  await once(out, 'finish');
  const wallMs = Math.round(performance.now() - started);
  // With NODE_OPTIONS=--expose-gc: what the export left behind once garbage is collected.
  global.gc?.();
  const after = process.memoryUsage();
  const lines = statSync(file).size;
  const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;
  console.log(
    JSON.stringify(
      {
        exitCode: code,
        transitions: total,
        csvBytes: lines,
        wallMs,
        rowsPerSec: Math.round((total / wallMs) * 1000),
        heapStartMb: mb(start.heapUsed),
        heapPeakMb: mb(peakHeap),
        rssStartMb: mb(start.rss),
        rssPeakMb: mb(peakRss),
        heapAfterGcMb: global.gc ? mb(after.heapUsed) : null,
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  await dynamo.stop();
}
