import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedDemo } from '../../infra/simulator/demo';
import { type Simulator, startSimulator } from '../../infra/simulator/simulator';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('seedDemo', () => {
  let sim: Simulator;

  beforeEach(async () => {
    sim = await startSimulator();
  });

  afterEach(async () => {
    await sim.close();
  });

  async function statusOf(orderId: number, accessToken: string): Promise<string> {
    const response = await fetch(`${sim.url}/api/content/payments/sessions/order/${orderId}`, {
      headers: { 'x-app-token': sim.appToken, authorization: `Bearer ${accessToken}` },
    });
    const [session] = (await response.json()) as { status: string }[];
    return session?.status ?? 'missing';
  }

  it('completes the first order, cancels the second and leaves the third waiting', async () => {
    const { accessToken } = sim.issueTokens();
    const demo = seedDemo(sim, { resolveAfterMs: { completed: 100, cancelled: 600 } });
    const statuses = () => Promise.all(demo.orderIds.map((id) => statusOf(id, accessToken)));

    expect(await statuses()).toEqual(['waiting', 'waiting', 'waiting']);
    // Wide gaps between the steps, so a slow machine does not blur them.
    await sleep(300);
    expect(await statuses()).toEqual(['completed', 'waiting', 'waiting']);
    await sleep(500);
    expect(await statuses()).toEqual(['completed', 'cancelled', 'waiting']);
    demo.stop();
  });

  it('changes nothing more after stop()', async () => {
    const { accessToken } = sim.issueTokens();
    const demo = seedDemo(sim, { resolveAfterMs: { completed: 50, cancelled: 50 } });
    demo.stop();
    await sleep(100);
    const statuses = await Promise.all(demo.orderIds.map((id) => statusOf(id, accessToken)));
    expect(statuses).toEqual(['waiting', 'waiting', 'waiting']);
  });
});

describe('npm run simulator (main.ts)', () => {
  it('prints exactly one JSON ready line that works, and stops cleanly on SIGTERM', async () => {
    const child = spawn('node_modules/.bin/node', ['--import', 'tsx', 'infra/simulator/main.ts'], {
      cwd: projectRoot,
      env: { ...process.env, SIMULATOR_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'close'); // after stdout is drained, unlike 'exit'
    try {
      const lines = createInterface({ input: child.stdout });
      const stdoutLines: string[] = [];
      lines.on('line', (line) => stdoutLines.push(line));
      const [firstLine] = (await once(lines, 'line')) as [string];
      const ready = JSON.parse(firstLine) as {
        url: string;
        appToken: string;
        accessToken: string;
        refreshToken: string;
        orderIds: number[];
      };
      expect(Object.keys(ready).sort()).toEqual([
        'accessToken',
        'appToken',
        'login',
        'orderIds',
        'password',
        'refreshToken',
        'url',
      ]);
      expect(ready.orderIds).toHaveLength(3);

      const response = await fetch(
        `${ready.url}/api/content/payments/sessions/order/${ready.orderIds[0]}`,
        {
          headers: { 'x-app-token': ready.appToken, authorization: `Bearer ${ready.accessToken}` },
        },
      );
      expect(response.status).toBe(200);

      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(stdoutLines).toHaveLength(1);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
