/**
 * `npm run bench -- --start`: how soon `npm start` answers and the CPU its process spends
 * until then, over several starts in a row. Every start uses one DynamoDB Local started here
 * (`DYNAMODB_ENDPOINT`), so the figures are Node's and ours, not the JVM's; each has its own
 * table, data dir and port, and is stopped with SIGTERM before the next. The first start
 * after the OS temp dir was cleared also fills Node's compile cache; `--cold` clears it first.
 * Prints one JSON object on stdout.
 *
 *   npm run bench -- --start --starts 5
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startDynamoDbLocal } from '../../infra/local/dynamodb-local';

const { values } = parseArgs({
  options: {
    start: { type: 'boolean' },
    starts: { type: 'string', default: '5' },
    cold: { type: 'boolean', default: false },
  },
});
const starts = Number(values.starts);
const ROOT = join(import.meta.dirname, '..', '..');
const READY_LINE = 'payment-session-watch running';

/** User plus system CPU of `pid` so far, in ms (Linux: /proc). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function oneStart(
  endpoint: string,
  index: number,
): Promise<{ readyMs: number; cpuMs: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'psw-bench-start-'));
  const startedAt = performance.now();
  const child = spawn(
    join(ROOT, 'node_modules', '.bin', 'node'),
    ['--import', 'tsx', 'infra/local/main.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DYNAMODB_ENDPOINT: endpoint,
        TABLE_NAME: `bench-start-${index}-${Date.now()}`,
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const ready = new Promise<{ readyMs: number; cpuMs: number }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(READY_LINE)) {
        resolve({ readyMs: performance.now() - startedAt, cpuMs: cpuMsOf(child.pid ?? 0) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => reject(new Error(`npm start exited before it was ready:\n${output}`)));
  });
  try {
    return await ready;
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (values.cold) rmSync(join(tmpdir(), 'node-compile-cache'), { recursive: true, force: true });
const dynamo = await startDynamoDbLocal({ jvmOptions: [] });
try {
  const runs = [];
  for (let index = 0; index < starts; index++) runs.push(await oneStart(dynamo.endpoint, index));
  const median = (numbers: number[]) =>
    numbers.toSorted((a, b) => a - b)[Math.floor(numbers.length / 2)] ?? 0;
  const round = (ms: number) => Math.round(ms);
  console.log(
    JSON.stringify(
      {
        starts,
        cold: values.cold,
        readyMs: runs.map((run) => round(run.readyMs)),
        cpuMs: runs.map((run) => round(run.cpuMs)),
        medianReadyMs: round(median(runs.map((run) => run.readyMs))),
        medianCpuMs: round(median(runs.map((run) => run.cpuMs))),
      },
      null,
      2,
    ),
  );
} finally {
  await dynamo.stop();
}
