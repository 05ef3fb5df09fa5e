import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb-local';
import { sendSignedWebhook } from '../../infra/local/webhook-client';
import { type Simulator, startSimulator } from '../../infra/simulator/simulator';
import {
  killGroup,
  type RunningRuntime,
  readEvents,
  simulatorEnv,
  startLocalRuntime,
  suiteDynamoDbEnv,
  waitFor,
} from '../support/local-runtime';

const ROOT = join(import.meta.dirname, '..', '..');
const SECRET = `whsec_${Buffer.from('local-e2e-secret-0123456789abcdef').toString('base64')}`;

let sim: Simulator;
let running: RunningRuntime | undefined;
const dataDirs: string[] = [];

beforeAll(async () => {
  sim = await startSimulator();
});
afterEach(() => killGroup(running));
afterAll(async () => {
  await sim.close();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** On the suite's DynamoDB Local, unless the test needs the runtime to start its own. */
async function runtimeEnv({ ownDynamoDb = false } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'psw-e2e-'));
  dataDirs.push(dataDir);
  return {
    dataDir,
    env: {
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      POLL_INTERVAL_SECONDS: '1',
      ...simulatorEnv(sim),
      WEBHOOK_SECRET: SECRET,
      ...(ownDynamoDb ? {} : suiteDynamoDbEnv()),
    },
  };
}

interface OrderAnswer {
  history: { status: string }[];
}
const getOrder = async (url: string, orderId: number) =>
  (await (await fetch(`${url}/orders/${orderId}`)).json()) as OrderAnswer;

/** Pids of DynamoDB Local processes whose data lives in `dataDir`. */
function dynamoDbLocalsUsing(dataDir: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return command.includes('DynamoDBLocal') && command.includes(dataDir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const resolvedEventsFor = (dataDir: string, orderId: number) =>
  readEvents(dataDir).filter(
    (event) =>
      event['detail-type'] === 'Payment Session Resolved' && event.detail.orderId === orderId,
  );

describe('npm start', () => {
  it('tracks a webhook order until it resolves, and resumes after SIGTERM without publishing twice', async () => {
    const { dataDir, env } = await runtimeEnv();
    const url = `http://127.0.0.1:${env.PORT}`;
    running = await startLocalRuntime(env);

    const orderId = sim.createOrder();
    const session = sim.createSession(orderId, { status: 'waiting', amount: 25 });
    const answer = await sendSignedWebhook({ url, secret: SECRET, orderId });
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toMatchObject({ orderId, tracking: true, checked: true });

    sim.setStatus(session.id, 'completed');
    await waitFor(() => resolvedEventsFor(dataDir, orderId).length > 0, 30_000, running.output);

    const history = await getOrder(url, orderId);
    // `npm run history` finds the running table through the data dir alone.
    const cli = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'node'),
      ['--import', 'tsx', 'infra/local/history.ts', String(orderId)],
      {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: dataDir, TABLE_NAME: '', DYNAMODB_ENDPOINT: '' },
        encoding: 'utf8',
      },
    );
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain(`Order ${orderId}: resolved`);
    expect(history.history.map((entry) => entry.status)).toEqual(['waiting', 'completed']);
    // The audit listings answer on the same local API.
    const resolved = (await (
      await fetch(`${url}/orders?state=resolved&changedAfter=-1h`)
    ).json()) as { items: { orderId: number }[]; nextCursor: string | null };
    expect(resolved.items.map((order) => order.orderId)).toContain(orderId);
    const completed = (await (
      await fetch(`${url}/transitions?from=-1h&status=completed`)
    ).json()) as { items: { orderId: number }[] };
    expect(completed.items.map((item) => item.orderId)).toContain(orderId);
    const refused = await fetch(`${url}/transitions?from=yesterday`);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    // Stopping by hand on the same API: its event goes out, a resolved order is refused.
    const mistake = sim.createOrder();
    sim.createSession(mistake, { status: 'waiting', amount: 5 });
    expect((await sendSignedWebhook({ url, secret: SECRET, orderId: mistake })).status).toBe(202);
    const stop = await fetch(`${url}/orders/${mistake}?reason=typo`, { method: 'DELETE' });
    expect(stop.status).toBe(200);
    expect(await stop.json()).toMatchObject({ orderId: mistake, state: 'untracked' });
    await waitFor(
      () =>
        readEvents(dataDir).some(
          (event) =>
            event['detail-type'] === 'Payment Session Tracking Stopped' &&
            event.detail.orderId === mistake,
        ),
      30_000,
      running.output,
    );
    expect((await fetch(`${url}/orders/${orderId}`, { method: 'DELETE' })).status).toBe(409);
    // Announced again, it is tracked again: a new tracking period after the stop.
    const announced = await sendSignedWebhook({ url, secret: SECRET, orderId: mistake });
    expect(JSON.parse(announced.body)).toMatchObject({ orderId: mistake, tracking: true });
    const retracked = (await (await fetch(`${url}/orders/${mistake}`)).json()) as {
      state: string;
      history: { kind: string }[];
    };
    expect(retracked.state).toBe('tracking');
    expect(retracked.history.map((entry) => entry.kind)).toEqual(['observed', 'untracked']);

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);

    running = await startLocalRuntime(env);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // a few poll cycles and stream polls
    const again = await getOrder(url, orderId);
    expect(again.history).toEqual(history.history);
    const ids = readEvents(dataDir).map((event) => event.detail.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(2);

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  }, 240_000);

  it('takes a webhook for an order already resolved calmly: no error in later cycles, a new session is tracked', async () => {
    const { dataDir, env } = await runtimeEnv();
    const url = `http://127.0.0.1:${env.PORT}`;
    running = await startLocalRuntime(env);
    const orderId = sim.createOrder();
    const first = sim.createSession(orderId, { status: 'completed' });
    expect(
      JSON.parse((await sendSignedWebhook({ url, secret: SECRET, orderId })).body),
    ).toMatchObject({ tracking: false, checked: true });
    await waitFor(() => resolvedEventsFor(dataDir, orderId).length > 0, 30_000, running.output);

    // The shop sends the webhook again, as shops do: checked at once, left resolved, no error.
    const again = await sendSignedWebhook({
      url,
      secret: SECRET,
      orderId,
      event: 'payment.completed',
    });
    expect(again.status).toBe(202);
    expect(JSON.parse(again.body)).toEqual({
      orderId,
      tracking: false,
      checked: true,
      sessions: [{ sessionId: first.id, status: 'completed' }],
    });
    const health = async () =>
      (await (await fetch(`${url}/health`)).json()) as { lastPoll: { at: string; errors: number } };
    const cyclesSeen = new Set<string>();
    await waitFor(
      async () => {
        const { lastPoll } = await health();
        expect(lastPoll.errors).toBe(0);
        cyclesSeen.add(lastPoll.at);
        return cyclesSeen.size >= 4;
      },
      30_000,
      running.output,
    );
    expect(running.output()).not.toMatch(/poller:|errors [1-9]/);
    expect((await getOrder(url, orderId)).history.map((entry) => entry.status)).toEqual([
      'completed',
    ]);

    // A new pending session on the resolved order: tracking starts again for it.
    const second = sim.createSession(orderId, { status: 'waiting' });
    const renewed = await sendSignedWebhook({ url, secret: SECRET, orderId });
    expect(JSON.parse(renewed.body)).toMatchObject({
      tracking: true,
      sessions: [
        { sessionId: first.id, status: 'completed' },
        { sessionId: second.id, status: 'waiting' },
      ],
    });
    sim.setStatus(second.id, 'completed');
    await waitFor(() => resolvedEventsFor(dataDir, orderId).length > 1, 30_000, running.output);
    expect((await getOrder(url, orderId)).history.map((entry) => entry.status)).toEqual([
      'completed',
      'waiting',
      'completed',
    ]);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  }, 240_000);

  it('loses no transition when killed with SIGKILL in the middle of a cycle', async () => {
    // Its own DynamoDB Local, orphaned by the kill: the restart must end it.
    const { dataDir, env: baseEnv } = await runtimeEnv({ ownDynamoDb: true });
    const env = { ...baseEnv, POLL_CONCURRENCY: '2' };
    const url = `http://127.0.0.1:${env.PORT}`;
    running = await startLocalRuntime(env);

    const orders = Array.from({ length: 24 }, () => {
      const orderId = sim.createOrder();
      return { orderId, sessionId: sim.createSession(orderId, { status: 'waiting' }).id };
    });
    for (const { orderId } of orders) {
      expect((await sendSignedWebhook({ url, secret: SECRET, orderId })).status).toBe(202);
    }
    // Slow answers at concurrency 2 stretch the next cycle over seconds: the kill lands inside it.
    for (const { orderId } of orders) sim.setFault(orderId, { latencyMs: 400 });
    for (const { sessionId } of orders) sim.setStatus(sessionId, 'completed');
    await waitFor(
      () => orders.some(({ orderId }) => resolvedEventsFor(dataDir, orderId).length > 0),
      30_000,
      running.output,
    );
    process.kill(running.child.pid!, 'SIGKILL'); // the Node process only: its DynamoDB Local is orphaned
    await running.exited;
    const resolvedBeforeKill = orders.filter(
      ({ orderId }) => resolvedEventsFor(dataDir, orderId).length > 0,
    );
    expect(resolvedBeforeKill.length).toBeLessThan(orders.length);

    for (const { orderId } of orders) sim.setFault(orderId, null);
    running = await startLocalRuntime(env);
    await waitFor(
      () => orders.every(({ orderId }) => resolvedEventsFor(dataDir, orderId).length > 0),
      60_000,
      running.output,
    );
    for (const { orderId } of orders) {
      const record = await getOrder(url, orderId);
      expect(record.history.map((entry) => entry.status)).toEqual(['waiting', 'completed']);
    }
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(dynamoDbLocalsUsing(dataDir)).toEqual([]); // the orphan was ended by the restart
    expect(readFileSync(join(dataDir, 'events.jsonl'), 'utf8')).not.toContain(sim.appToken);
  }, 240_000);
});
