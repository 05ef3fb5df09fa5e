/**
 * The whole system on one machine: DynamoDB Local, OneEntry (real or simulated), the HTTP API,
 * the poller on a loop, the publisher on the table's stream and a local event sink. Every
 * function is the deployed handler, invoked with the event Lambda would give it.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { readConfig, trackerConfigSchema } from '../../functions/core/config';
import type { DiscoverySummary } from '../../functions/core/discovery/sweep';
import { createDocumentClient } from '../../functions/core/dynamo';
import { authFromEnvironment } from '../../functions/core/environment';
import { publishStreamRecords } from '../../functions/core/events/publisher';
import { LeaseStore } from '../../functions/core/lease';
import { silentLogger } from '../../functions/core/oneentry/http';
import { ROUTES, routeKey } from '../../functions/core/routes';
import { SessionStore } from '../../functions/core/store';
import { combineCycleSummaries, pollerLeaseName } from '../../functions/core/tracker';
import {
  FUNCTION_TIMEOUT_SECONDS,
  type FunctionName,
  PUBLISHER_RETRY_ATTEMPTS,
} from '../cdk/function-defaults';
import { describeEvent, describeWebhook, errorLines, PollReporter } from './console-lines';
import { lockDataDir } from './data-dir-lock';
import { killStaleDynamoDb, startDynamoDbLocal } from './dynamodb-local';
import { ensureTable } from './ensure-table';
import { startEventSink } from './event-sink';
import { dynamoDbCheck, healthHandler, reachableCheck } from './health';
import { createHttpAdapter } from './http-adapter';
import { lambdaContext } from './lambda-context';
import { startLocalOneEntry } from './oneentry';
import { PollLoop } from './poll-loop';
import { DEAD_LETTER_FILE, removeRuntimeFile, writeRuntimeFile } from './runtime-file';
import type { LocalSettings } from './settings';
import { StreamTailer } from './stream-tailer';
import { sendSignedWebhook } from './webhook-client';
import {
  localWebhookSecret,
  maskSecret,
  signingSecret,
  WEBHOOK_SECRET_FILE,
} from './webhook-secret';

export const LOCAL_TABLE_NAME = 'payment-session-watch';
/** Each local invocation gets the deployed function's timeout. */
const timeoutOf = (name: FunctionName) => FUNCTION_TIMEOUT_SECONDS[name] * 1000;

export interface RuntimeOptions {
  settings: LocalSettings;
  env: Record<string, string | undefined>;
  log: (line: string) => void;
  /** For tests and the demo: when the demo sessions resolve. Default 20 s and 30 s. */
  demoResolveAfterMs?: { completed: number; cancelled: number };
}

export interface Runtime {
  url: string;
  stop(): Promise<void>;
}

export async function startRuntime({
  settings,
  env,
  log,
  demoResolveAfterMs,
}: RuntimeOptions): Promise<Runtime> {
  const dataDir = resolve(settings.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  // Before anything else: a second start on this data dir must not touch the first one's parts.
  const lock = lockDataDir(dataDir, { pid: process.pid, port: settings.PORT });
  // What must go whatever way the process ends (process.exit included); stopAll does it in order.
  const leftovers: (() => void)[] = [lock.release];
  const removeLeftovers = () => {
    for (const remove of leftovers.reverse()) remove();
    leftovers.length = 0;
  };
  process.once('exit', removeLeftovers);
  const stack: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stack.reverse()) {
      await stop().catch((error: unknown) => log(`stop: ${String(error)}`));
    }
    stack.length = 0;
    removeLeftovers();
    process.removeListener('exit', removeLeftovers);
  };
  try {
    const dynamo = await openDynamoDb(settings.DYNAMODB_ENDPOINT, dataDir, { stack, leftovers });

    const tableName = env.TABLE_NAME?.trim() || LOCAL_TABLE_NAME;
    const documentClient = createDocumentClient({ endpoint: dynamo.endpoint });
    stack.push(async () => documentClient.destroy());
    await ensureTable(documentClient, tableName);
    const { POLL_SHARDS } = readConfig(trackerConfigSchema.pick({ POLL_SHARDS: true }), env);
    const store = new SessionStore({ client: documentClient, tableName, pollShards: POLL_SHARDS });
    // Only this process tree polls this table: a lease left by a killed run is stale.
    const shards = Array.from({ length: POLL_SHARDS }, (_, shard) => shard);
    const leases = new LeaseStore(documentClient, tableName);
    for (const shard of shards) await leases.breakLease(pollerLeaseName(shard, POLL_SHARDS));

    const oneEntry = await startLocalOneEntry({
      env,
      dataDir,
      store,
      demoResolveAfterMs,
      demoPace: settings.DEMO_PACE,
    });
    stack.push(oneEntry.stop);

    const secretFromEnv = Boolean(env.WEBHOOK_SECRET?.trim());
    const webhookSecret = localWebhookSecret(dataDir, env as NodeJS.ProcessEnv);
    const eventsFile = join(dataDir, 'events.jsonl');
    const deadLetterFile = join(dataDir, DEAD_LETTER_FILE);
    const sink = await startEventSink({
      file: eventsFile,
      onEvent: (event) => log(describeEvent(event)),
    });
    stack.push(sink.close);

    // The handlers read the same variables as in Lambda; these point them at the local parts.
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      WEBHOOK_SECRET: webhookSecret,
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      EVENTBRIDGE_ENDPOINT: sink.endpoint,
      PUBLISHER_FAILURE_FILE: deadLetterFile,
      // The poll loop plays Scheduler at this rate; the fast lane stops before its next tick.
      POLL_RATE_SECONDS: String(settings.POLL_INTERVAL_SECONDS),
      POWERTOOLS_METRICS_DISABLED: 'true',
      // Per-order warnings stay quiet unless asked for: the console shows one line per cycle.
      POWERTOOLS_LOG_LEVEL: env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
      ...oneEntry.env,
    });
    const { auth } = await authFromEnvironment(documentClient, tableName, silentLogger);
    const [poller, webhook, history, untrack, publisher, discovery] = await Promise.all([
      import('../../functions/poller/handler'),
      import('../../functions/webhook/handler'),
      import('../../functions/history/handler'),
      import('../../functions/untrack/handler'),
      import('../../functions/publisher/handler'),
      import('../../functions/discovery/handler'),
    ]);

    // The domain, not the handler: the tailer already delivers plain records (Lambda's shape is
    // the handler's business), with the handler's own configuration.
    const publishing = publisher.publisherDepsFromEnv();
    const tailer = new StreamTailer(
      {
        endpoint: dynamo.endpoint,
        tableName,
        checkpointFile: join(dataDir, 'stream-checkpoint.json'),
        deadLetterFile,
        // As many deliveries as the stack's event source makes before its on-failure queue.
        maxRetries: PUBLISHER_RETRY_ATTEMPTS,
        publish: (records) =>
          publishStreamRecords(records, publishing.publisher, publishing.failureDestination),
        onError: errorLines(log, 'publisher'),
      },
      documentClient,
    );
    tailer.start();
    stack.push(() => tailer.stop());

    const oneEntryCheck = reachableCheck(oneEntry.url);
    const authCheck = async () => ({ ...(await auth.health()) });
    const health = healthHandler(
      {
        dynamodb: dynamoDbCheck({
          client: documentClient,
          tableName,
          endpoint: dynamo.endpoint,
          name: dynamo.name,
          exited: dynamo.exited,
        }),
        oneEntry: oneEntryCheck,
        auth: authCheck,
      },
      () => ({ oneEntry: oneEntry.mode, lastPoll: loop.lastSummary ?? null }),
    );
    const server: Server = createHttpAdapter({
      routes: [
        {
          // POST only, as in API Gateway: another method is a 404 here as there.
          routeKey: routeKey(ROUTES.webhook),
          handler: async (event, context) => {
            const result = await webhook.handler(event, context);
            log(describeWebhook(result));
            return result;
          },
        },
        { routeKey: routeKey(ROUTES.history), handler: history.handler },
        { routeKey: routeKey(ROUTES.untrack), handler: untrack.handler },
        { routeKey: routeKey(ROUTES.orders), handler: history.handler },
        { routeKey: routeKey(ROUTES.transitions), handler: history.handler },
        { routeKey: 'GET /health', handler: health },
      ],
      // The webhook's budget: the longest an HTTP handler may take, there as here.
      context: (name) => lambdaContext(name, timeoutOf('webhook')),
      onError: (error) =>
        log(
          `http     500: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        ),
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(settings.PORT, '127.0.0.1', () => resolveListen());
    });
    stack.push(() => new Promise((resolveClose) => server.close(() => resolveClose())));
    const url = `http://127.0.0.1:${settings.PORT}`;
    leftovers.push(() => removeRuntimeFile(dataDir));
    stack.push(
      writeRuntimeFile(dataDir, {
        pid: process.pid,
        url,
        dynamodbEndpoint: dynamo.endpoint,
        tableName,
        eventsEndpoint: sink.endpoint,
      }),
    );

    const reporter = new PollReporter({
      log,
      oneEntryUrl: oneEntry.url,
      oneEntryReachable: oneEntryCheck,
      auth: authCheck,
    });
    const loop = new PollLoop({
      intervalMs: settings.POLL_INTERVAL_SECONDS * 1000,
      // Like one schedule per shard firing together: the shards' cycles run side by side.
      invoke: async () =>
        combineCycleSummaries(
          await Promise.all(
            shards.map((shard) =>
              poller.handler({ shard }, lambdaContext('poller', timeoutOf('poller'))),
            ),
          ),
        ),
      onSummary: (summary) => reporter.report(summary),
      onError: errorLines(log, 'poller'),
    });
    stack.push(() => loop.stop());
    const discoveryLoop =
      settings.DISCOVERY_INTERVAL_SECONDS > 0
        ? new PollLoop<DiscoverySummary>({
            intervalMs: settings.DISCOVERY_INTERVAL_SECONDS * 1000,
            invoke: () => discovery.handler({}, lambdaContext('discovery', timeoutOf('discovery'))),
            onSummary: (summary) => {
              if (summary.discovered > 0) {
                log(`discover ${summary.discovered} order(s) no webhook announced, now tracked`);
              }
            },
            onError: (error) =>
              log(`discovery: ${error instanceof Error ? error.message : String(error)}`),
          })
        : undefined;
    if (discoveryLoop) stack.push(() => discoveryLoop.stop());

    log(`payment-session-watch running
  API          ${url}  (POST /webhooks/payment-sessions, GET|DELETE /orders/{orderId}, GET /orders, GET /transitions, GET /health)
  OneEntry     ${oneEntry.mode === 'real' ? `${oneEntry.url} (real project)` : `${oneEntry.url} (built-in simulator, demo data)`}
  DynamoDB     ${dynamo.endpoint} (${dynamo.described}), table ${tableName}
  data dir     ${dataDir}
  events       ${eventsFile}
  poll every   ${settings.POLL_INTERVAL_SECONDS} s
  discovery    ${settings.DISCOVERY_INTERVAL_SECONDS > 0 ? `every ${settings.DISCOVERY_INTERVAL_SECONDS} s (sessions list; the first sweep is the baseline)` : 'off'}
  webhook secret ${maskSecret(webhookSecret)}${secretFromEnv ? ' (from WEBHOOK_SECRET in your environment or .env)' : ` (generated; the full value is in ${join(dataDir, WEBHOOK_SECRET_FILE)})`}
Try: npm run send -- <orderId>    npm run history -- <orderId>    npm run untrack -- <orderId>    Ctrl-C stops everything.`);

    for (const orderId of oneEntry.newDemoOrders) {
      const answer = await sendSignedWebhook({
        url,
        secret: signingSecret(webhookSecret),
        orderId,
        event: 'demo.order_created',
      });
      log(`demo     order ${orderId} tracked (webhook ${answer.status})`);
    }
    loop.start();
    discoveryLoop?.start();
    return { url, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

interface RuntimeDynamoDb {
  endpoint: string;
  /** What to call it in `/health`. */
  name: string;
  /** Whose it is, for the start-up lines. */
  described: string;
  /** How its process ended, once it has; undefined for a DynamoDB this run did not start. */
  exited: () => string | undefined;
}

/**
 * The DynamoDB at `endpoint`, left as it is, or else a DynamoDB Local of this run's own in the
 * data dir, stopped with the run and never outliving it.
 */
async function openDynamoDb(
  endpoint: string | undefined,
  dataDir: string,
  cleanup: { stack: (() => Promise<void>)[]; leftovers: (() => void)[] },
): Promise<RuntimeDynamoDb> {
  const pidFile = join(dataDir, 'dynamodb.pid');
  killStaleDynamoDb(pidFile);
  if (endpoint) {
    return { endpoint, name: 'DynamoDB', described: 'DYNAMODB_ENDPOINT', exited: () => undefined };
  }
  mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
  const dynamo = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') });
  writeFileSync(pidFile, String(dynamo.process.pid));
  cleanup.leftovers.push(() => {
    if (dynamo.process.exitCode === null) dynamo.process.kill('SIGKILL');
    rmSync(pidFile, { force: true });
  });
  cleanup.stack.push(async () => {
    await dynamo.stop();
    rmSync(pidFile, { force: true });
  });
  return {
    endpoint: dynamo.endpoint,
    name: 'DynamoDB Local',
    described: `DynamoDB Local, pid ${dynamo.process.pid}`,
    exited: () => exitOf(dynamo.process),
  };
}

/** How a child process ended, or undefined while it runs. */
function exitOf(child: ChildProcess): string | undefined {
  if (child.signalCode) return `signal ${child.signalCode}`;
  if (child.exitCode !== null) return `exit code ${child.exitCode}`;
  return undefined;
}
