/**
 * `npm run history` for one order, against DynamoDB Local: as a user runs it (a child process)
 * for the table it prints and for a start with nothing to read, the rest in process through
 * the command the entry point calls, with the same arguments and variables.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOrderHistory } from '../../functions/core/history/view';
import { SessionStore } from '../../functions/core/store';
import { runHistoryCommand } from '../../infra/local/history-command';
import { createTestTable, type TestTable } from '../support/dynamo';
import { driveOrder } from '../support/payment-sessions';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** As the npm script runs it. */
const node = `${root}node_modules/.bin/node`;

let table: TestTable;
let store: SessionStore;

beforeAll(async () => {
  table = await createTestTable('history-cli');
  store = new SessionStore({ client: table.client, tableName: table.tableName });
  await driveOrder(store, 123, [[[501, 'waiting']], [[501, 'completed']]]);
});
afterAll(() => table.drop());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with only the variables given (plus PATH/HOME), so the caller's env cannot leak in. */
function history(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = {
    PATH: `${root}node_modules/.bin:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? '/tmp',
    // Keep the SDK from finding real credentials or profiles on this machine.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  return new Promise((resolve) => {
    execFile(
      node,
      ['--import', 'tsx', 'infra/local/history.ts', ...args],
      { cwd: root, env: { ...base, ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The command `history.ts` runs, in this process, with only the variables given. */
async function historyInProcess(args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runHistoryCommand({
    argv: args,
    env,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

const localEnv = () => ({
  DYNAMODB_ENDPOINT: table.endpoint,
  TABLE_NAME: table.tableName,
  AWS_REGION: 'local',
});

describe('npm run history', () => {
  it('prints the order, its sessions and its history as tables, and exits 0', async () => {
    const run = await history(['123'], localEnv());

    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(
      'Order 123: resolved (tracked since 2025-03-01T10:00:00.000Z, last change 2025-03-01T10:02:00.000Z)',
    );
    expect(run.stdout).toMatch(
      /^SESSION\s+STATUS\s+RESOLVED\s+AMOUNT\s+TYPE\s+ACCOUNT\s+LAST CHANGED$/m,
    );
    expect(run.stdout).toMatch(
      /^501\s+completed\s+yes\s+125\.5\s+session\s+7\s+2025-03-01T10:02:00\.000Z$/m,
    );
    const trail = lines.slice(lines.indexOf('History') + 2).filter((line) => line.length > 0);
    expect(trail).toEqual([
      expect.stringMatching(
        /^2025-03-01T10:01:00\.000Z\s+501\s+observed\s+-\s+waiting\s+pss-123-501-1$/,
      ),
      expect.stringMatching(
        /^2025-03-01T10:02:00\.000Z\s+501\s+resolved\s+waiting\s+completed\s+pss-123-501-2$/,
      ),
    ]);
  });

  it('prints the same view as the API with --json', async () => {
    const run = await historyInProcess(['123', '--json'], localEnv());

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(await readOrderHistory(store, 123));
  });

  it('exits 1 with one line when the order is not found', async () => {
    const run = await historyInProcess(['999'], localEnv());

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `history: order 999 is not tracked: an order is tracked once a webhook (or discovery) names it (table ${table.tableName})\n`,
    );
  });

  it.each([[['abc']], [['0']], [[]], [['1', '2']], [['--verbose', '1']]])(
    'exits 1 with one line for the arguments %j (in process)',
    async (args) => {
      let stderr = '';
      const code = await runHistoryCommand({
        argv: args,
        env: localEnv(),
        store,
        stdout: () => {},
        stderr: (text) => {
          stderr += text;
        },
      });

      expect(code).toBe(1);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr).toContain('usage: history <orderId> [--json]');
    },
  );

  it('exits 2 saying to start npm start when nothing runs and no table is set', async () => {
    const run = await history(['123'], { DATA_DIR: '/nonexistent/psw-data' });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'history: nothing is running on /nonexistent/psw-data: start `npm start` first (here, or with the same DATA_DIR), or set TABLE_NAME (and AWS_REGION) for a deployed table\n',
    );
  });

  it('exits 2 naming the setting when TABLE_NAME is missing', async () => {
    const run = await historyInProcess(['123'], { DYNAMODB_ENDPOINT: table.endpoint });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe('history: Invalid configuration: TABLE_NAME is required\n');
  });

  it('exits 2 when the deployed table is asked for without a region', async () => {
    const run = await historyInProcess(['123'], { TABLE_NAME: 'payment-sessions' });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('AWS_REGION');
  });

  it('exits 2 with one line when the table cannot be read', async () => {
    const run = await historyInProcess(['123'], { ...localEnv(), TABLE_NAME: 'no-such-table' });

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^history: cannot read no-such-table: ResourceNotFoundException: .*\n$/,
    );
  });
});
