import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { UnknownShardError } from '../../functions/core/due-layout';
import { LeaseStore } from '../../functions/core/lease';
import { createLogger, createMetrics } from '../../functions/core/observability';
import { OneEntryClient } from '../../functions/core/oneentry/client';
import { CredentialStore } from '../../functions/core/oneentry/credential-store';
import { StatusModel } from '../../functions/core/status';
import { SessionStore } from '../../functions/core/store';
import { Tracker } from '../../functions/core/tracker';
import { createPollerHandler, InvalidPollEventError } from '../../functions/poller/handler';
import { lambdaContext } from '../../infra/local/lambda-context';
import { type Simulator, startSimulator } from '../../infra/simulator/simulator';
import { newTestDeviceId, seedFor, sharedAuth, signInSecrets } from '../support/auth';
import { captureOutput } from '../support/capture-output';
import { createTestTable, type TestTable } from '../support/dynamo';
import { trackerFor } from '../support/tracker';

let sim: Simulator;
let table: TestTable;

beforeAll(async () => {
  sim = await startSimulator();
  table = await createTestTable('poller');
});
afterAll(async () => {
  await sim.close();
  await table.drop();
});

describe('poller handler', () => {
  it('runs a cycle, logs one summary and emits its metrics without any secret in the output', async () => {
    const deviceId = newTestDeviceId();
    const tokens = seedFor(sim, deviceId);
    const auth = sharedAuth(sim, table, { seed: tokens, deviceId });
    const orderIds = [sim.createOrder(), sim.createOrder()];
    const secrets = orderIds.map(
      (orderId) => sim.createSession(orderId, { status: 'waiting' }).clientSecret,
    );
    const store = new SessionStore({ client: table.client, tableName: table.tableName });
    for (const orderId of orderIds) await store.trackOrder(orderId);

    const logger = createLogger('poller');
    logger.setLogLevel('DEBUG');
    const client = new OneEntryClient({
      baseUrl: sim.url,
      appToken: sim.appToken,
      auth,
      logger,
    });
    const tracker = new Tracker({
      store,
      leases: new LeaseStore(table.client, table.tableName),
      source: client,
      statuses: new StatusModel(['waiting']),
      logger,
    });
    const handler = createPollerHandler({
      logger,
      metrics: createMetrics(),
      tracker: async () => tracker,
      auth: async () => auth,
    });
    sim.expireAccessTokens(); // forces a refresh, so the rotated token passes through the code too
    sim.setFault(orderIds[0]!, { status: 503, times: 1 }); // and a retry, which logs at debug level

    const { result, output } = await captureOutput(() =>
      handler({}, lambdaContext('poller', 60_000)),
    );

    expect(result).toMatchObject({ status: 'completed', checked: 2, changed: 2 });
    const summaryLines = output.split('\n').filter((line) => line.includes('Poll cycle finished'));
    expect(summaryLines).toHaveLength(1);
    expect(JSON.parse(summaryLines[0]!)).toMatchObject({ checked: 2, changed: 2, level: 'INFO' });
    for (const metric of [
      'OrdersTracked',
      'OrdersChecked',
      'OrdersUnchanged',
      'OrdersChanged',
      'Transitions',
      'StaleObservations',
    ]) {
      expect(output).toContain(`"${metric}"`);
    }
    expect(output).toContain('"AuthRefreshes"');
    const credentials = await new CredentialStore(table.client, table.tableName).read();
    expect(credentials?.refreshToken).not.toBe(tokens.refreshToken); // rotated once

    // Only the credential item holds tokens; no other item, and no output line, does.
    const items = JSON.stringify(
      (await table.scanAll()).filter((item) => item.entity !== 'credentials'),
    );
    for (const secret of [...signInSecrets(sim, tokens, credentials, deviceId), ...secrets]) {
      expect(output).not.toContain(secret);
      expect(items).not.toContain(secret);
    }
  });

  it('returns within the deadline with its summary when OneEntry hangs, in a 60 s invocation', async () => {
    const table = await createTestTable('poller-deadline');
    onTestFinished(() => table.drop());
    const orderIds = Array.from({ length: 3 }, () => sim.createOrder());
    for (const orderId of orderIds) sim.createSession(orderId, { status: 'waiting' });
    const logger = createLogger('poller');
    // Production defaults: 5 s per attempt, 4 attempts, backoff: one check alone could take 20 s.
    const client = new OneEntryClient({
      baseUrl: sim.url,
      appToken: sim.appToken,
      ...sim.issueTokens(),
    });
    const { tracker, store } = trackerFor(
      table,
      sim,
      { timeMarginMs: 10_000 },
      { source: client, logger },
    );
    for (const orderId of orderIds) await store.trackOrder(orderId);
    const handler = createPollerHandler({
      logger,
      metrics: createMetrics(),
      tracker: async () => tracker,
    });
    sim.setFault('global', { hang: true });
    // A 60 s invocation that has used 48 s already: 12 s left, 2 s of them before the margin.
    const context = lambdaContext('poller', 60_000);
    const invokedAt = Date.now() - 48_000;
    context.getRemainingTimeInMillis = () => Math.max(0, invokedAt + 60_000 - Date.now());

    const startedAt = Date.now();
    const { result, output } = await captureOutput(() => handler({}, context));
    sim.clearFaults();

    expect(Date.now() - startedAt).toBeLessThan(12_000);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(result).toMatchObject({ status: 'time-budget', cancelled: 3, checked: 0, errors: 0 });
    const summaryLine = output.split('\n').find((line) => line.includes('Poll cycle finished'));
    expect(JSON.parse(summaryLine!)).toMatchObject({ status: 'time-budget', cancelled: 3 });
    expect(output).toContain('"ChecksCancelled":3');
    expect(output).toContain('"CyclesStoppedEarly":1');
    // The lease was released: the next cycle runs at once.
    const next = await tracker.runCycle({ owner: 'next', remainingTimeMs: () => 60_000 });
    expect(next).toMatchObject({ status: 'completed', checked: 3 });
  }, 30_000);
});

describe('poller handler and shards', () => {
  it('polls the shard its schedule names, and refuses an event that names no valid shard', async () => {
    const own = await createTestTable('poller-shards');
    try {
      const store = new SessionStore({
        client: own.client,
        tableName: own.tableName,
        pollShards: 2,
      });
      const { tracker } = trackerFor(own, sim, {}, { store });
      const handler = createPollerHandler({
        logger: createLogger('poller'),
        metrics: createMetrics(),
        tracker: async () => tracker,
      });
      let even = sim.createOrder();
      if (even % 2 === 1) even = sim.createOrder();
      const odd = even % 2 === 0 ? sim.createOrder() : even;
      for (const orderId of [even, odd]) {
        sim.createSession(orderId, { status: 'waiting' });
        await store.trackOrder(orderId);
      }
      sim.resetStats();

      const { result, output } = await captureOutput(() =>
        handler({ shard: 1 }, lambdaContext('poller', 60_000)),
      );

      expect(result).toMatchObject({ status: 'completed', checked: 1 });
      expect(sim.stats().sessionRequestsByOrder).toEqual({ [odd]: 1 });
      const summaryLine = output.split('\n').find((line) => line.includes('Poll cycle finished'));
      expect(JSON.parse(summaryLine!)).toMatchObject({ shard: 1, checked: 1 });
      await expect(
        captureOutput(() => handler({ shard: 'one' }, lambdaContext('poller', 60_000))),
      ).rejects.toThrow(InvalidPollEventError);
      await expect(
        captureOutput(() => handler({ shard: 2 }, lambdaContext('poller', 60_000))),
      ).rejects.toThrow(UnknownShardError);
      expect(sim.stats().sessionRequests).toBe(1);
    } finally {
      await own.drop();
    }
  });
});

describe('poller handler and the shared OneEntry sign-in', () => {
  function pollerWith(auth: ReturnType<typeof sharedAuth>, own: TestTable) {
    const logger = createLogger('poller');
    const tracker = new Tracker({
      store: new SessionStore({ client: own.client, tableName: own.tableName }),
      leases: new LeaseStore(own.client, own.tableName),
      source: new OneEntryClient({ baseUrl: sim.url, appToken: sim.appToken, auth }),
      statuses: new StatusModel(['waiting']),
      logger,
    });
    return createPollerHandler({
      logger,
      metrics: createMetrics(),
      tracker: async () => tracker,
      auth: async () => auth,
    });
  }

  it('warns once per cycle, checks nothing and throws nothing while OneEntry is not configured', async () => {
    const unconfigured = await createTestTable('poller-unconfigured');
    try {
      const handler = pollerWith(sharedAuth(sim, unconfigured), unconfigured);
      const { result, output } = await captureOutput(() =>
        handler({}, lambdaContext('poller', 60_000)),
      );
      expect(result).toMatchObject({ status: 'not-configured', checked: 0 });
      const warnings = output.split('\n').filter((line) => line.includes('not configured'));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 'WARN' });
      expect(output).toContain('"AuthFailures":0');
    } finally {
      await unconfigured.drop();
    }
  });

  it('reports failing authentication as an error with an AuthFailures metric, and checks nothing', async () => {
    const refused = await createTestTable('poller-refused');
    try {
      const wrong = {
        login: 'nobody@example.test',
        password: 'wrong',
        fields: { login: 'login', password: 'password' },
      };
      const handler = pollerWith(sharedAuth(sim, refused, { serviceUser: wrong }), refused);
      const tracked = sim.createOrder();
      sim.createSession(tracked);
      await new SessionStore({ client: refused.client, tableName: refused.tableName }).trackOrder(
        tracked,
      );
      sim.resetStats();
      const { result, output } = await captureOutput(() =>
        handler({}, lambdaContext('poller', 60_000)),
      );
      expect(result).toMatchObject({ status: 'auth-failing', checked: 0 });
      expect(sim.stats().signInsRefused).toBe(1);
      expect(output).toContain('"AuthFailures":1');
      expect(output).not.toContain('wrong"');
      expect(sim.stats().sessionRequests).toBe(0);
    } finally {
      await refused.drop();
    }
  });

  it('signs in on an idle cycle with nothing to check, so the token never dies of old age', async () => {
    const idle = await createTestTable('poller-idle');
    try {
      sim.addUser('idle@example.test', 'idle-password');
      const user = {
        login: 'idle@example.test',
        password: 'idle-password',
        fields: { login: 'login', password: 'password' },
      };
      const handler = pollerWith(sharedAuth(sim, idle, { serviceUser: user }), idle);
      sim.resetStats();
      const { result, output } = await captureOutput(() =>
        handler({}, lambdaContext('poller', 60_000)),
      );
      expect(result).toMatchObject({ status: 'completed', tracked: 0 });
      expect(output).toContain('"AuthSignIns":1');
      expect(sim.stats().signIns).toBe(1);
    } finally {
      await idle.drop();
    }
  });
});
