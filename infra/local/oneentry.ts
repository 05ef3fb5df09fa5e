/**
 * OneEntry for the local runtime: the real project when `ONEENTRY_URL` is set, otherwise the
 * simulator in demo mode. The simulator lives in memory, so on a restart the demo orders are
 * rebuilt from what the table remembers (same ids, last statuses): nothing looks changed and
 * nothing is recorded or published twice.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionStore } from '../../functions/core/store';
import { seedDemo } from '../simulator/demo';
import { type Simulator, startSimulator } from '../simulator/simulator';

export interface LocalOneEntry {
  mode: 'real' | 'simulated';
  url: string;
  /** Environment the handlers get (simulated mode only: the simulator's service user). */
  env: Record<string, string>;
  /** Orders the demo seeded on this start (to be announced through the webhook). */
  newDemoOrders: number[];
  stop(): Promise<void>;
}

const DEMO_FILE = 'demo.json';

export async function startLocalOneEntry(options: {
  env: Record<string, string | undefined>;
  dataDir: string;
  store: SessionStore;
  demoResolveAfterMs?: { completed: number; cancelled: number };
  /** Scales the demo's timeline; see `DEMO_PACE`. */
  demoPace?: number;
}): Promise<LocalOneEntry> {
  const url = options.env.ONEENTRY_URL?.trim();
  if (url) return { mode: 'real', url, env: {}, newDemoOrders: [], stop: async () => {} };

  const sim = await startSimulator();
  const demoFile = join(options.dataDir, DEMO_FILE);
  let stopDemo = () => {};
  let newDemoOrders: number[] = [];
  if (existsSync(demoFile)) {
    const { orderIds } = JSON.parse(readFileSync(demoFile, 'utf8')) as { orderIds: number[] };
    await restoreOrders(sim, options.store, orderIds);
  } else {
    const demo = seedDemo(sim, {
      resolveAfterMs: options.demoResolveAfterMs,
      pace: options.demoPace,
    });
    stopDemo = demo.stop;
    newDemoOrders = demo.orderIds;
    // Every demo order, the one left for discovery included, is rebuilt on a restart.
    writeFileSync(
      demoFile,
      JSON.stringify({ orderIds: [...demo.orderIds, demo.unannouncedOrderId] }),
    );
  }
  // The watcher signs itself in as a service user, as the README recommends for real projects.
  const login = 'watcher@example.test';
  const password = randomBytes(18).toString('base64url');
  sim.addUser(login, password);
  return {
    mode: 'simulated',
    url: sim.url,
    env: {
      ONEENTRY_URL: sim.url,
      ONEENTRY_APP_TOKEN: sim.appToken,
      ONEENTRY_LOGIN: login,
      ONEENTRY_PASSWORD: password,
    },
    newDemoOrders,
    stop: async () => {
      stopDemo();
      await sim.close();
    },
  };
}

async function restoreOrders(
  sim: Simulator,
  store: SessionStore,
  orderIds: number[],
): Promise<void> {
  for (const orderId of orderIds) {
    sim.createOrder(orderId);
    const order = await store.getOrder(orderId);
    const sessions = Object.entries(order?.sessions ?? {}).sort(
      ([a], [b]) => Number(a) - Number(b),
    );
    for (const [sessionId, snapshot] of sessions) {
      sim.createSession(orderId, {
        id: Number(sessionId),
        status: snapshot.status,
        amount: snapshot.amount,
        paymentAccountId: snapshot.paymentAccountId,
        // The dates too: a restored session must not look newer than what was recorded.
        createdDate: snapshot.createdDate,
        updatedDate: snapshot.updatedDate,
      });
    }
  }
}
