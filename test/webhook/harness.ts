/**
 * The webhook wired to real parts: a fresh table in DynamoDB Local, the OneEntry simulator,
 * the project's client, tracker and stores. One per test file; tests use distinct order ids.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { LeaseStore } from '../../functions/core/lease';
import { OneEntryClient } from '../../functions/core/oneentry/client';
import { ReceiptStore } from '../../functions/core/receipts';
import { StatusModel } from '../../functions/core/status';
import { SessionStore } from '../../functions/core/store';
import { Tracker } from '../../functions/core/tracker';
import type { IntakeDependencies } from '../../functions/core/webhook/intake';
import { createWebhookHandler } from '../../functions/webhook/handler';
import { lambdaContext } from '../../infra/local/lambda-context';
import { type Simulator, startSimulator } from '../../infra/simulator/simulator';
import { httpApiEvent } from '../support/apigw';
import { createTestTable, type TestTable } from '../support/dynamo';
import { newSecret, type SignOptions, signedHeaders } from './signing';

export interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json: unknown;
}

export interface Harness {
  table: TestTable;
  sim: Simulator;
  store: SessionStore;
  tracker: Tracker;
  receipts: ReceiptStore;
  secret: string;
  /** A handler over the harness's parts, with overrides. */
  handler(overrides?: Partial<IntakeDependencies> & { logger?: Logger }): Invoke;
  /** Invokes the default handler of this harness. */
  invoke: Invoke;
  /** A signed POST of `body` (an object is JSON-encoded). */
  signedEvent(body: unknown, options?: SignOptions & { secret?: string }): APIGatewayProxyEventV2;
  close(): Promise<void>;
}

export type Invoke = (event: APIGatewayProxyEventV2) => Promise<Answer>;

export const silentLogger = () => new Logger({ serviceName: 'test', logLevel: 'SILENT' });

let nextOrderId = 5000;
/** Each test its own order (each file has its own table and simulator). */
export const newOrderId = () => nextOrderId++;

export async function startHarness(prefix: string): Promise<Harness> {
  const table = await createTestTable(prefix);
  const sim = await startSimulator();
  const store = new SessionStore({ client: table.client, tableName: table.tableName });
  const tokens = sim.issueTokens();
  const tracker = new Tracker({
    store,
    leases: new LeaseStore(table.client, table.tableName),
    source: new OneEntryClient({ baseUrl: sim.url, appToken: sim.appToken, ...tokens }),
    statuses: new StatusModel(['waiting']),
  });
  const receipts = new ReceiptStore({ client: table.client, tableName: table.tableName });
  const secret = newSecret();
  const handler = (overrides: Partial<IntakeDependencies> & { logger?: Logger } = {}): Invoke => {
    const lambda = createWebhookHandler({
      tracker,
      store,
      receipts,
      secrets: async () => [secret],
      logger: silentLogger(),
      ...overrides,
    });
    return async (event) => {
      const result = (await lambda(
        event,
        lambdaContext('webhook', 30_000),
      )) as APIGatewayProxyStructuredResultV2;
      const body = result.body ?? '';
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      return {
        statusCode: result.statusCode ?? 0,
        headers: (result.headers ?? {}) as Record<string, string>,
        body,
        json,
      };
    };
  };
  return {
    table,
    sim,
    store,
    tracker,
    receipts,
    secret,
    handler,
    invoke: handler(),
    signedEvent(body, options = {}) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return httpApiEvent({
        headers: signedHeaders(options.secret ?? secret, text, options),
        body: text,
      });
    },
    async close() {
      await sim.close();
      await table.drop();
    },
  };
}
