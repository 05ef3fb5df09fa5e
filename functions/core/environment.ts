/**
 * Builds the tracker and its parts from the environment, once per process. The Lambda
 * handlers and the local runtime both come through here, so they run the same code with the
 * same settings.
 */

import {
  discoveryConfigSchema,
  oneEntryConfigSchema,
  readConfig,
  tableConfigSchema,
  trackerConfigSchema,
} from './config';
import { loadOneEntryCredentials } from './credentials';
import { CheckpointStore } from './discovery/checkpoint';
import { DiscoverySweep } from './discovery/sweep';
import { createDocumentClient } from './dynamo';
import { AuditQueries } from './history/audit';
import { LeaseStore } from './lease';
import { OneEntryAuthApi } from './oneentry/auth-api';
import { SharedRequestBudget } from './oneentry/budget';
import { OneEntryClient } from './oneentry/client';
import { CredentialStore } from './oneentry/credential-store';
import type { ClientLogger } from './oneentry/http';
import { SharedUserAuth } from './oneentry/shared-auth';
import { StatusModel } from './status';
import { SessionStore } from './store';
import { Tracker } from './tracker';

type Env = Record<string, string | undefined>;

interface TableParts {
  documentClient: ReturnType<typeof createDocumentClient>;
  tableName: string;
  store: SessionStore;
}

/** The table: one document client and the store over it. Only `POLL_SHARDS` of the tracker settings matters here. */
function tableFromEnvironment(env: Env): TableParts {
  const table = readConfig(tableConfigSchema, env);
  const { POLL_SHARDS } = readConfig(trackerConfigSchema.pick({ POLL_SHARDS: true }), env);
  const documentClient = createDocumentClient({ endpoint: table.DYNAMODB_ENDPOINT });
  const store = new SessionStore({
    client: documentClient,
    tableName: table.TABLE_NAME,
    pollShards: POLL_SHARDS,
  });
  return { documentClient, tableName: table.TABLE_NAME, store };
}

/** The table side alone. */
export function storeFromEnvironment(env: Env = process.env): SessionStore {
  return tableFromEnvironment(env).store;
}

/** What the history function needs: the store for one order, the audit listings for many. */
export function historyFromEnvironment(env: Env = process.env): {
  store: SessionStore;
  audit: AuditQueries;
} {
  const { documentClient, tableName, store } = tableFromEnvironment(env);
  return {
    store,
    audit: new AuditQueries({ client: documentClient, tableName, pollShards: store.layout.shards }),
  };
}

export interface TrackerParts {
  tracker: Tracker;
  /** The one DynamoDB client of the process; other stores in the table share it. */
  documentClient: ReturnType<typeof createDocumentClient>;
  tableName: string;
  store: SessionStore;
  client: OneEntryClient;
  /** The deployment's shared OneEntry sign-in. */
  auth: SharedUserAuth;
  statuses: StatusModel;
}

export const loginFields = ([login, password]: readonly [string, string]) => ({ login, password });

/** The shared sign-in over the table, from the settings and the OneEntry secret. */
export async function authFromEnvironment(
  documentClient: ReturnType<typeof createDocumentClient>,
  tableName: string,
  logger: ClientLogger,
  env: Env = process.env,
): Promise<{ auth: SharedUserAuth; appToken: string }> {
  const oneEntry = readConfig(oneEntryConfigSchema, env);
  const credentials = await loadOneEntryCredentials(env);
  const auth = new SharedUserAuth({
    store: new CredentialStore(documentClient, tableName),
    api: new OneEntryAuthApi({
      baseUrl: oneEntry.ONEENTRY_URL.replace(/\/+$/, ''),
      appToken: credentials.appToken,
      authProvider: oneEntry.ONEENTRY_AUTH_PROVIDER,
      fetch: globalThis.fetch,
      timeoutMs: oneEntry.ONEENTRY_TIMEOUT_MS,
    }),
    seed: credentials.seed,
    serviceUser: credentials.serviceUser && {
      ...credentials.serviceUser,
      fields: loginFields(oneEntry.ONEENTRY_LOGIN_FIELDS),
    },
    deviceId: oneEntry.ONEENTRY_DEVICE_ID,
    refreshEveryMs: oneEntry.ONEENTRY_REFRESH_EVERY_HOURS * 3_600_000,
    leaseMs: oneEntry.ONEENTRY_TIMEOUT_MS * 2 + 5_000,
    notConfigured: credentials.notConfigured,
    logger,
  });
  return { auth, appToken: credentials.appToken };
}

export async function trackerFromEnvironment(
  logger: ClientLogger,
  env: Env = process.env,
): Promise<TrackerParts> {
  const { documentClient, tableName, store } = tableFromEnvironment(env);
  const oneEntry = readConfig(oneEntryConfigSchema, env);
  const settings = readConfig(trackerConfigSchema, env);
  const { auth, appToken } = await authFromEnvironment(documentClient, tableName, logger, env);
  const client = new OneEntryClient({
    baseUrl: oneEntry.ONEENTRY_URL,
    appToken,
    auth,
    timeoutMs: oneEntry.ONEENTRY_TIMEOUT_MS,
    maxAttempts: oneEntry.ONEENTRY_MAX_ATTEMPTS,
    // Poller shards, the webhook's checks and discovery all come through here: one budget.
    budget:
      oneEntry.ONEENTRY_MAX_RPS > 0
        ? new SharedRequestBudget({
            client: documentClient,
            tableName,
            maxRps: oneEntry.ONEENTRY_MAX_RPS,
          })
        : undefined,
    logger,
  });
  const statuses = new StatusModel(settings.PENDING_STATUSES);
  const tracker = new Tracker({
    store,
    leases: new LeaseStore(documentClient, tableName),
    source: client,
    statuses,
    logger,
    settings: {
      concurrency: settings.POLL_CONCURRENCY,
      timeMarginMs: settings.POLL_TIME_MARGIN_MS,
      circuitMinCalls: settings.CIRCUIT_MIN_CALLS,
      circuitFailureRatio: settings.CIRCUIT_FAILURE_RATIO,
      maxTrackingHours: settings.MAX_TRACKING_HOURS,
      fastPollMs: settings.FAST_POLL_SECONDS * 1000,
      cycleIntervalMs: settings.POLL_RATE_SECONDS * 1000,
    },
  });
  return { tracker, store, client, auth, statuses, documentClient, tableName };
}

/** The discovery sweep over the same client, store, tracker and table as the poller. */
export async function discoveryFromEnvironment(
  logger: ClientLogger,
  env: Env = process.env,
): Promise<{ sweep: DiscoverySweep; auth: SharedUserAuth }> {
  const parts = await trackerFromEnvironment(logger, env);
  const settings = readConfig(discoveryConfigSchema, env);
  const { POLL_TIME_MARGIN_MS } = readConfig(
    trackerConfigSchema.pick({ POLL_TIME_MARGIN_MS: true }),
    env,
  );
  const sweep = new DiscoverySweep({
    lister: parts.client,
    store: parts.store,
    tracker: parts.tracker,
    checkpoints: new CheckpointStore(parts.documentClient, parts.tableName),
    leases: new LeaseStore(parts.documentClient, parts.tableName),
    settings: {
      pageSize: settings.DISCOVERY_PAGE_SIZE,
      backfillHours: settings.DISCOVERY_BACKFILL_HOURS,
      timeMarginMs: POLL_TIME_MARGIN_MS,
    },
    logger,
  });
  return { sweep, auth: parts.auth };
}

/** Memoizes an async factory; a failed attempt is forgotten so the next call tries again. */
export function once<T>(factory: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= factory().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
