import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { LeaseStore } from '../../functions/core/lease';
import { OneEntryClient, type OneEntryClientOptions } from '../../functions/core/oneentry/client';
import { StatusModel } from '../../functions/core/status';
import { SessionStore } from '../../functions/core/store';
import { Tracker, type TrackerOptions, type TrackerSettings } from '../../functions/core/tracker';
import { type Simulator, startSimulator } from '../../infra/simulator/simulator';
import { createTestTable, type TestTable } from './dynamo';

/** A tracker wired to a test table and the simulator, as the environment would wire it. */
export function trackerFor(
  table: TestTable,
  sim: Simulator,
  settings: Partial<TrackerSettings> = {},
  extra: Partial<TrackerOptions> = {},
) {
  const store = new SessionStore({ client: table.client, tableName: table.tableName });
  const client = simulatorClient(sim);
  const tracker = new Tracker({
    store,
    leases: new LeaseStore(table.client, table.tableName),
    source: client,
    statuses: new StatusModel(['waiting']),
    settings,
    ...extra,
  });
  return { tracker, store, client };
}

/** A client of the simulator with fixed tokens and quick retries, as most tests want it. */
export function simulatorClient(
  sim: Simulator,
  options: Partial<OneEntryClientOptions> = {},
): OneEntryClient {
  return new OneEntryClient({
    baseUrl: sim.url,
    appToken: sim.appToken,
    ...sim.issueTokens(),
    timeoutMs: 500,
    maxAttempts: 2,
    baseDelayMs: 1,
    maxDelayMs: 5,
    ...options,
  });
}

/**
 * Starts a simulator for the file and a fresh table (named after `prefix`) for each test,
 * and clears both after each test. Read them through the getters inside tests.
 */
export function useSimulatorAndTable(prefix: string): {
  sim: () => Simulator;
  table: () => TestTable;
} {
  let sim: Simulator | undefined;
  let table: TestTable | undefined;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim?.close());
  beforeEach(async () => {
    table = await createTestTable(prefix);
  });
  afterEach(async () => {
    sim?.clearFaults();
    sim?.resetStats();
    await table?.drop();
  });
  const required = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`${name} is only there inside a test`);
    return value;
  };
  return { sim: () => required(sim, 'the simulator'), table: () => required(table, 'the table') };
}

export const plentyOfTime = () => 60_000;
