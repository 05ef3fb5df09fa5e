import { LeaseStore } from '../../functions/core/lease';
import { OneEntryClient } from '../../functions/core/oneentry/client';
import { StatusModel } from '../../functions/core/status';
import { SessionStore } from '../../functions/core/store';
import { Tracker, type TrackerOptions, type TrackerSettings } from '../../functions/core/tracker';
import type { Simulator } from '../../infra/simulator/simulator';
import type { TestTable } from './dynamo';

/** A tracker wired to a test table and the simulator, as the environment would wire it. */
export function trackerFor(
  table: TestTable,
  sim: Simulator,
  settings: Partial<TrackerSettings> = {},
  extra: Partial<TrackerOptions> = {},
) {
  const store = new SessionStore({ client: table.client, tableName: table.tableName });
  const client = new OneEntryClient({
    baseUrl: sim.url,
    appToken: sim.appToken,
    ...sim.issueTokens(),
    timeoutMs: 500,
    maxAttempts: 2,
    baseDelayMs: 1,
    maxDelayMs: 5,
  });
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

export const plentyOfTime = () => 60_000;
