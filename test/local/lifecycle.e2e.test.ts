/**
 * One data dir, one runtime, and a clean stop every time: a second start on the same data dir
 * is refused without harming the first, SIGTERM to the whole process group stops cleanly, and
 * `/health` tells the truth when DynamoDB Local is gone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, QUICK_JVM_OPTIONS } from '../../infra/local/dynamodb-local';
import {
  isRunning,
  killGroup,
  type RunningRuntime,
  readEvents,
  startLocalRuntime,
  waitFor,
} from '../support/local-runtime';

const ROOT = join(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'psw-lifecycle-'));
let running: RunningRuntime | undefined;
afterEach(() => killGroup(running));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const LEFTOVERS = ['dynamodb.pid', 'runtime.json', 'runtime.lock'];

async function env() {
  // The demo's own timeline held still (its changes would come 10 times later than usual), so
  // what this test republishes is all that happens to the demo orders meanwhile.
  return {
    PORT: String(await freePort()),
    DATA_DIR: dataDir,
    POLL_INTERVAL_SECONDS: '1',
    DEMO_PACE: '10',
  };
}

describe('npm start on a data dir', () => {
  it('refuses a second start on the same data dir in one line, and the first keeps working', async () => {
    const first = await env();
    running = await startLocalRuntime(first);
    const url = `http://127.0.0.1:${first.PORT}`;
    const second = await env();
    const refused = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'node'),
      ['--import', 'tsx', 'infra/local/main.ts'],
      { cwd: ROOT, env: { ...process.env, ...second }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(`port ${first.PORT}`);
    expect(refused.stderr).toContain(`pid ${running.child.pid}`);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect((await fetch(`${url}/orders/1000`)).status).toBe(200); // a demo order

    // `npm run send` finds it through the data dir alone, and the console shows the webhook.
    const { PORT: _port, ...withoutPort } = process.env;
    const sent = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'node'),
      ['--import', 'tsx', 'infra/local/send.ts', '1001'],
      {
        cwd: ROOT,
        env: { ...withoutPort, DATA_DIR: dataDir },
        encoding: 'utf8',
      },
    );
    expect(sent.stderr).toBe('');
    expect(sent.stdout).toMatch(/^202 /);
    await waitFor(
      () => /\d\d:\d\d:\d\d webhook {2}order 1001: 202/.test(running?.output() ?? ''),
      10_000,
      () => running?.output() ?? '',
    );

    // `npm run republish` also finds it, and publishes to its event sink with the original id.
    // First every entry of the order's history is published: the stream tailer sends the
    // webhook's entry a moment after the console shows the webhook.
    const order = (await (await fetch(`${url}/orders/1001`)).json()) as {
      history: { eventId: string }[];
    };
    const eventsOf1001 = () => readEvents(dataDir).filter((event) => event.detail.orderId === 1001);
    await waitFor(
      () => eventsOf1001().length >= order.history.length,
      10_000,
      () => running?.output() ?? '',
    );
    const before = eventsOf1001();
    expect(before.length).toBeGreaterThan(0);
    const republished = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'node'),
      ['--import', 'tsx', 'infra/local/republish.ts', '--order', '1001'],
      { cwd: ROOT, env: { ...withoutPort, DATA_DIR: dataDir }, encoding: 'utf8' },
    );
    expect(republished.status, republished.stderr).toBe(0);
    await waitFor(
      () => eventsOf1001().length > before.length,
      10_000,
      () => running?.output() ?? '',
    );
    const after = readEvents(dataDir).filter((event) => event.detail.orderId === 1001);
    expect(new Set(after.map((event) => event.detail.eventId))).toEqual(
      new Set(before.map((event) => event.detail.eventId)),
    );
  }, 120_000);

  it('stops once on SIGTERM to its process group and a second signal, prints stopped and leaves no pid, lock or runtime file', async () => {
    running = await startLocalRuntime(await env());
    for (const file of LEFTOVERS) expect(existsSync(join(dataDir, file)), file).toBe(true);
    const javaPid = Number(readFileSync(join(dataDir, 'dynamodb.pid'), 'utf8'));
    expect(running.output()).toContain(`(DynamoDB Local, pid ${javaPid}), table`);
    // It reports nothing to AWS, and starts with the quick JVM options.
    const environment = readFileSync(`/proc/${javaPid}/environ`, 'utf8').split('\0');
    expect(environment).toContain('DDB_LOCAL_TELEMETRY=0');
    const jvmOptions = environment
      .find((entry) => entry.startsWith('JDK_JAVA_OPTIONS='))
      ?.slice('JDK_JAVA_OPTIONS='.length)
      .split(' ');
    expect(jvmOptions?.slice(0, QUICK_JVM_OPTIONS.length)).toEqual(QUICK_JVM_OPTIONS);
    process.kill(-running.child.pid!, 'SIGTERM');
    process.kill(running.child.pid!, 'SIGINT'); // a second signal joins the stop under way
    expect(await running.exited).toBe(0);
    expect(running.output()).toMatch(/(SIGTERM|SIGINT): stopping\n(.*\n)*stopped\n$/);
    // DynamoDB Local is stopped by the runtime, after the handlers: none of them saw it gone.
    expect(running.output()).not.toContain('ECONNREFUSED');
    expect(running.output().match(/stopping/g)).toHaveLength(1);
    for (const file of LEFTOVERS) expect(existsSync(join(dataDir, file)), file).toBe(false);
    expect(isRunning(javaPid)).toBe(false);
  }, 120_000);

  it('answers /health with 503 naming DynamoDB Local once it is killed, and its DynamoDB Local dies with it', async () => {
    const settings = await env();
    running = await startLocalRuntime(settings);
    const url = `http://127.0.0.1:${settings.PORT}`;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    process.kill(Number(readFileSync(join(dataDir, 'dynamodb.pid'), 'utf8')), 'SIGKILL');
    let report: { status: string; checks: Record<string, { status: string; reason?: string }> } = {
      status: '',
      checks: {},
    };
    await waitFor(
      async () => {
        const answer = await fetch(`${url}/health`);
        report = (await answer.json()) as typeof report;
        return answer.status === 503;
      },
      15_000,
      () => JSON.stringify(report),
    );
    expect(report.checks.dynamodb?.status).toBe('failing');
    expect(report.checks.dynamodb?.reason).toMatch(/DynamoDB Local/);
    expect(report.checks.oneEntry?.status).toBe('ok');

    // Killed outright, the Node process takes a fresh DynamoDB Local down with it.
    killGroup(running);
    running = await startLocalRuntime(await env());
    const javaPid = Number(readFileSync(join(dataDir, 'dynamodb.pid'), 'utf8'));
    process.kill(running.child.pid!, 'SIGKILL');
    await running.exited;
    await waitFor(
      () => !isRunning(javaPid),
      10_000,
      () => `DynamoDB Local ${javaPid} still runs`,
    );
  }, 180_000);
});
