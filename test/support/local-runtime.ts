/**
 * Runs `npm start`'s entry point as a user would, as a child process with its own data dir
 * and port, and reads what it prints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { Simulator } from '../../infra/simulator/simulator';
import { newTestDeviceId, seedFor } from './auth';

/** The settings that point `npm start` at `sim`, with a fresh device and its pair of user tokens. */
export function simulatorEnv(sim: Simulator): Record<string, string> {
  const deviceId = newTestDeviceId();
  const tokens = seedFor(sim, deviceId);
  return {
    ONEENTRY_URL: sim.url,
    ONEENTRY_APP_TOKEN: sim.appToken,
    ONEENTRY_ACCESS_TOKEN: tokens.accessToken,
    ONEENTRY_REFRESH_TOKEN: tokens.refreshToken,
    ONEENTRY_DEVICE_ID: deviceId,
  };
}

/**
 * The settings that point `npm start` at the suite's DynamoDB Local, on a table of its own, so
 * it starts no DynamoDB Local of its own. Tests of that DynamoDB Local's life leave this out.
 */
export const suiteDynamoDbEnv = () => ({
  DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
  TABLE_NAME: `e2e-${randomUUID()}`,
});

export interface RunningRuntime {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const ROOT = join(import.meta.dirname, '..', '..');

export async function startLocalRuntime(
  env: Record<string, string>,
  readyTimeoutMs = 90_000,
): Promise<RunningRuntime> {
  const child = spawn(
    join(ROOT, 'node_modules', '.bin', 'node'),
    ['--import', 'tsx', 'infra/local/main.ts'],
    {
      cwd: ROOT,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  await waitFor(
    () => output.includes('payment-session-watch running'),
    readyTimeoutMs,
    () => output,
    exited,
  );
  return { child, output: () => output, exited };
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describe: () => string = () => '',
  abort?: Promise<unknown>,
): Promise<void> {
  let aborted = false;
  void abort?.then(() => {
    aborted = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (aborted) throw new Error(`process exited while waiting:\n${describe()}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms:\n${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Every complete line of `events.jsonl`, parsed. The sink appends while tests read: a last
 * line without its newline is still being written and is read on the next call.
 */
export function readEvents(
  dataDir: string,
): { id: string; 'detail-type': string; detail: Record<string, unknown> }[] {
  const file = join(dataDir, 'events.jsonl');
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.pop(); // after the last newline: empty, or a line still being appended
  return lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
}

/** Ends the whole process group (DynamoDB Local included) whatever state it is in. */
export function killGroup(runtime: RunningRuntime | undefined): void {
  if (!runtime?.child.pid) return;
  try {
    process.kill(-runtime.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
