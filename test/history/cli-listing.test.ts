/** The history CLI's listings: once as a user runs it (a child process), otherwise in-process. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditQueries } from '../../functions/core/history/audit';
import { SessionStore } from '../../functions/core/store';
import { runHistoryCommand } from '../../infra/local/history-command';
import { createTestTable, type TestTable } from '../support/dynamo';
import { driveOrder, paymentSession, statuses } from '../support/payment-sessions';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** As the npm script runs it. */
const node = `${root}node_modules/.bin/node`;
const INJECTED = '=HYPERLINK("http://x","y")';

let table: TestTable;
let store: SessionStore;
let audit: AuditQueries;

beforeAll(async () => {
  table = await createTestTable('history-listing');
  store = new SessionStore({ client: table.client, tableName: table.tableName });
  audit = new AuditQueries({ client: table.client, tableName: table.tableName });
  await driveOrder(store, 301, [[[31, 'waiting']], [[31, 'completed']]]);
  await driveOrder(store, 302, [[paymentSession(302, 32, INJECTED)]]);
  // Still waiting since 2025: stuck by any measure.
  await driveOrder(store, 303, [[[33, 'waiting']]], new Date('2025-03-01T09:00:00.000Z'));
  await driveOrder(store, 304, [[[34, 'waiting']]], new Date('2025-03-01T06:00:00.000Z'));
  const expiring = await store.getOrder(304);
  if (!expiring) throw new Error('order 304 not tracked');
  await store.expireOrder(expiring, statuses, new Date('2025-03-01T07:00:00.000Z'));
  for (let orderId = 310; orderId < 330; orderId++) {
    await driveOrder(
      store,
      orderId,
      [[[orderId, 'waiting']]],
      new Date('2025-03-02T10:00:00.000Z'),
    );
  }
});
afterAll(() => table.drop());

function historyProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: `${root}node_modules/.bin:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? '/tmp',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    DYNAMODB_ENDPOINT: table.endpoint,
    TABLE_NAME: table.tableName,
    AWS_REGION: 'local',
  };
  return new Promise((resolve) => {
    execFile(
      node,
      ['--import', 'tsx', 'infra/local/history.ts', ...args],
      { cwd: root, env },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The command as `npm run history` runs it, on the test table, without a process. */
async function history(
  args: string[],
  now?: Date,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runHistoryCommand({
    argv: args,
    env: {},
    store,
    audit,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    ...(now ? { now: () => now } : {}),
  });
  return { code, stdout, stderr };
}

describe('npm run history listings', () => {
  it('prints orders of a state as a table with a count, and exits 0 (as a process)', async () => {
    const run = await historyProcess([
      '--state',
      'resolved',
      '--from',
      '2025-03-01',
      '--to',
      '2025-03-02',
    ]);

    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ORDER\s+STATE\s+SOURCE\s+TRACKED SINCE\s+LAST CHANGE\s+SESSIONS$/);
    expect(lines[1]).toMatch(
      /^301\s+resolved\s+webhook\s+2025-03-01T10:00:00.000Z\s+2025-03-01T10:02:00.000Z\s+31 completed 125.5$/,
    );
    expect(lines[2]).toMatch(/^302\s+resolved/);
    expect(lines.at(-1)).toBe('2 orders');
  });

  it('exports transitions as RFC 4180 CSV, formula-looking text defused', async () => {
    const run = await history([
      '--transitions',
      '--from',
      '2025-03-01T10:00:00Z',
      '--to',
      '2025-03-01T10:05:00Z',
      '--csv',
    ]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        '"observedAt","orderId","sessionId","kind","previousStatus","status","resolved","seq","eventId","pendingSessionIds","requestedBy","reason"',
        '"2025-03-01T10:01:00.000Z","301","31","observed","","waiting","false","1","pss-301-31-1","","",""',
        `"2025-03-01T10:01:00.000Z","302","32","resolved","","'=HYPERLINK(""http://x"",""y"")","true","1","pss-302-32-1","","",""`,
        '"2025-03-01T10:02:00.000Z","301","31","resolved","waiting","completed","true","2","pss-301-31-2","","",""',
        '',
      ].join('\r\n'),
    );
  });

  it('takes relative times with a leading dash as values (--from -2h)', async () => {
    const at = new Date('2025-03-01T12:00:00Z');
    const now = await history(['--transitions', '--from', '-3h', '--to', '-1h', '--json'], at);
    const dated = await history(['--transitions', '--from=-3h', '--to=-1h', '--json'], at);

    expect(now.stderr).toBe('');
    expect(now.code).toBe(0);
    const items = JSON.parse(now.stdout) as { orderId: number }[];
    expect(items.map((item) => item.orderId)).toContain(301);
    expect(items).toEqual(JSON.parse(dated.stdout));
    const stuck = await history(['--state', 'tracking', '--stuck', '1d', '--limit', '-1']);
    expect(stuck.code).toBe(1);
    expect(stuck.stderr).toContain('--limit must be a positive integer');
  });

  it('lists stuck orders with --stuck, as the API items with --json', async () => {
    const run = await history(['--stuck', '1d', '--json']);

    expect(run.code).toBe(0);
    const items = JSON.parse(run.stdout) as { orderId: number }[];
    const api = await audit.stuck({ trackedBefore: new Date(Date.now() - 86_400_000) });
    expect(items).toEqual(api.items);
    expect(items[0]?.orderId).toBe(303);
  });

  it.each([
    [['--state', 'bogus'], '--state must be one of tracking, resolved, expired'],
    [['--transitions'], '--from is required'],
    [['--transitions', '--from', 'last week'], '--from must be an ISO-8601'],
    [['--state', 'resolved', '--json', '--csv'], '--json and --csv exclude each other'],
    [
      ['--state', 'resolved', '--stuck', '1h'],
      '--stuck lists stuck orders: only with state=tracking',
    ],
    [['--state', 'resolved', '--limit', '0'], '--limit must be a positive integer'],
    [['--state', 'resolved', '7'], 'a listing takes no order id'],
    [['7', '--csv'], '--csv and filters are for listings'],
  ])('exits 1 with one line for %j', async (args, message) => {
    const run = await history(args);

    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
  });
});

describe('a long listing', () => {
  async function run(argv: string[], pageSize: number) {
    const chunks: string[] = [];
    const progress: string[] = [];
    const code = await runHistoryCommand({
      argv,
      env: {},
      store,
      audit,
      pageSize,
      progress: true,
      stdout: (text) => {
        chunks.push(text);
      },
      stderr: (text) => progress.push(text),
    });
    return { code, chunks, progress };
  }

  it('writes page by page, with a progress line on stderr', async () => {
    const { code, chunks, progress } = await run(
      ['--state', 'tracking', '--from', '2025-03-02', '--to', '2025-03-03', '--csv'],
      6,
    );

    expect(code).toBe(0);
    const rows = chunks.join('').split('\r\n').filter(Boolean);
    expect(rows).toHaveLength(21);
    // Head, one chunk per page of six, and the (empty) tail.
    expect(chunks.length).toBeGreaterThanOrEqual(1 + 4);
    expect(progress.at(-1)).toContain('20 rows.');
    expect(progress.some((line) => line.includes('6 rows so far'))).toBe(true);
  });

  it('stops at --limit rows', async () => {
    const { chunks } = await run(
      [
        '--state',
        'tracking',
        '--from',
        '2025-03-02',
        '--to',
        '2025-03-03',
        '--limit',
        '7',
        '--json',
      ],
      3,
    );

    expect((JSON.parse(chunks.join('')) as unknown[]).length).toBe(7);
  });
});

describe('npm run history -- --summary', () => {
  const io = (out: string[]) => ({
    env: {},
    store,
    audit,
    stdout: (text: string) => {
      out.push(text);
    },
    stderr: (text: string) => out.push(text),
  });

  it('counts the sessions that ended in the period by final status, with time to resolve', async () => {
    const out: string[] = [];
    const code = await runHistoryCommand({
      ...io(out),
      argv: ['--summary', '--from', '2025-03-01', '--to', '2025-03-01T23:59:59Z', '--json'],
    });

    expect(code).toBe(0);
    const summary = JSON.parse(out.join('')) as { orders: number; statuses: unknown[] };
    expect(summary.orders).toBe(3);
    expect(summary.statuses).toEqual([
      { status: INJECTED, count: 1, p50Ms: 0, p95Ms: 0, maxMs: 0 },
      { status: 'completed', count: 1, p50Ms: 60_000, p95Ms: 60_000, maxMs: 60_000 },
      { status: 'expired', count: 1, p50Ms: 3_600_000, p95Ms: 3_600_000, maxMs: 3_600_000 },
    ]);
  });

  it('prints a table and writes a self-contained HTML report with the statuses escaped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'summary-'));
    try {
      const out: string[] = [];
      const file = join(dir, 'report.html');
      const code = await runHistoryCommand({
        ...io(out),
        argv: ['--summary', '--from', '2025-03-01', '--to', '2025-03-02', '--html', file],
      });

      expect(code).toBe(0);
      expect(out.join('')).toMatch(/^completed\s+1\s+1m 00s\s+1m 00s\s+1m 00s$/m);
      expect(out.join('')).toMatch(/^expired\s+1\s+1h 00m/m);
      const html = readFileSync(file, 'utf8');
      expect(html).toContain('<svg');
      expect(html).toContain('=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)');
      expect(html).not.toContain(INJECTED);
      expect(html).not.toMatch(/<script|src=|href=/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 without --from', async () => {
    const out: string[] = [];
    expect(await runHistoryCommand({ ...io(out), argv: ['--summary'] })).toBe(1);
    expect(out.join('')).toContain('--from is required');
  });
});
