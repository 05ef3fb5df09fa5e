/** `npm run untrack` against DynamoDB Local: in process for each case, and once as a user runs it. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStore } from '../../functions/core/store';
import { EXIT, runUntrackCommand } from '../../infra/local/untrack-command';
import { createTestTable, type TestTable } from '../support/dynamo';
import { paymentSession, statuses } from '../support/payment-sessions';

const root = fileURLToPath(new URL('../..', import.meta.url));

let table: TestTable;
let store: SessionStore;

beforeAll(async () => {
  table = await createTestTable('untrack-cli');
  store = new SessionStore({ client: table.client, tableName: table.tableName });
});
afterAll(() => table.drop());

let nextOrderId = 8000;

async function trackedOrder(status = 'waiting'): Promise<number> {
  const orderId = nextOrderId++;
  const { order } = await store.trackOrder(orderId);
  await store.recordObservation(order, [paymentSession(orderId, orderId * 10, status)], statuses);
  return orderId;
}

const localEnv = () => ({
  DYNAMODB_ENDPOINT: table.endpoint,
  TABLE_NAME: table.tableName,
  AWS_REGION: 'local',
});

async function untrack(argv: string[], env: Record<string, string> = localEnv()) {
  let stdout = '';
  let stderr = '';
  const code = await runUntrackCommand({
    argv,
    env,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    user: 'alice',
  });
  return { code, stdout, stderr };
}

describe('npm run untrack', () => {
  it('stops tracking, says so, and shows the order with the untracked entry', async () => {
    const orderId = await trackedOrder();
    const run = await untrack([String(orderId), '--reason', 'typo in the order id']);
    expect(run.code).toBe(EXIT.stopped);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(new RegExp(`^Stopped tracking order ${orderId} \\(at `));
    expect(run.stdout).toContain(`Order ${orderId}: untracked`);
    expect(run.stdout).toMatch(
      /untracked\s+-\s+\(pending: \d+; by npm run untrack \(alice\); reason: typo in the order id\)/,
    );
    const last = (await store.readOrder(orderId))?.history.at(-1);
    expect(last).toMatchObject({
      kind: 'untracked',
      reason: 'typo in the order id',
      requestedBy: 'npm run untrack (alice)',
    });
  });

  it('takes a reason that starts with a dash', async () => {
    const orderId = await trackedOrder();
    expect((await untrack([String(orderId), '--reason', '-1 typed by mistake'])).code).toBe(0);
    expect((await store.readOrder(orderId))?.history.at(-1)?.reason).toBe('-1 typed by mistake');
  });

  it('run again: exit 0, the same order as JSON, nothing written', async () => {
    const orderId = await trackedOrder();
    await untrack([String(orderId)]);
    const items = await table.scanAll();
    const run = await untrack([String(orderId), '--json']);
    expect(run.code).toBe(EXIT.stopped);
    const answer = JSON.parse(run.stdout) as { stopped: boolean; order: { state: string } };
    expect(answer).toMatchObject({ stopped: false, order: { state: 'untracked' } });
    expect(await table.scanAll()).toEqual(items);
  });

  it('exits 1 for an unknown order and for one that resolved on its own', async () => {
    const missing = await untrack(['424242']);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toMatch(/^untrack: order 424242 is not tracked/);
    const resolved = await trackedOrder('completed');
    const refused = await untrack([String(resolved)]);
    expect(refused.code).toBe(EXIT.notTracked);
    expect(refused.stderr).toContain('resolved on its own');
    expect((await store.getOrder(resolved))?.state).toBe('resolved');
  });

  it('exits 1 on bad arguments, writing nothing', async () => {
    const orderId = await trackedOrder();
    for (const argv of [
      [],
      ['abc'],
      [String(orderId), String(orderId)],
      [String(orderId), '--reason', 'x'.repeat(201)],
      [String(orderId), '--force'],
    ]) {
      const run = await untrack(argv);
      expect(run.code).toBe(EXIT.usage);
      expect(run.stderr).toMatch(/^untrack: .*usage: untrack <orderId>/);
    }
    expect((await store.getOrder(orderId))?.state).toBe('tracking');
  });

  it('exits 2 when no table is configured', async () => {
    const run = await untrack(['1'], {});
    expect(run.code).toBe(EXIT.config);
    expect(run.stderr).toMatch(/^untrack: Invalid configuration: .*TABLE_NAME/);
  });

  it('runs as npm run untrack does, with its exit code', async () => {
    const orderId = await trackedOrder();
    const run = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        `${root}node_modules/.bin/node`,
        ['--import', 'tsx', 'infra/local/untrack.ts', String(orderId)],
        {
          cwd: root,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '/tmp',
            AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
            ...localEnv(),
          },
        },
        (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
      );
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Stopped tracking order ${orderId}`);
    expect((await store.getOrder(orderId))?.state).toBe('untracked');
  });
});
