import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditQueries } from '../../functions/core/history/audit';
import { PROBLEM_TYPES } from '../../functions/core/problem-types';
import { SessionStore } from '../../functions/core/store';
import { createHistoryHandler } from '../../functions/history/handler';
import { lambdaContext } from '../../infra/local/lambda-context';
import { createTestTable, type TestTable } from '../support/dynamo';
import { driveOrder, statuses } from '../support/payment-sessions';

let table: TestTable;
let handler: ReturnType<typeof createHistoryHandler>;
const now = new Date('2025-03-01T12:00:00.000Z');

beforeAll(async () => {
  table = await createTestTable('listing');
  const store = new SessionStore({ client: table.client, tableName: table.tableName });
  const audit = new AuditQueries({
    client: table.client,
    tableName: table.tableName,
    now: () => now,
  });
  // 201 and 202 resolve, 203 keeps waiting, 204 expires.
  await driveOrder(store, 201, [[[1, 'waiting']], [[1, 'completed']]]);
  await driveOrder(store, 202, [[[2, 'failed']]], new Date('2025-03-01T10:10:00.000Z'));
  await driveOrder(store, 203, [[[3, 'waiting']]], new Date('2025-03-01T09:00:00.000Z'));
  await driveOrder(store, 204, [[[4, 'waiting']]], new Date('2025-03-01T08:00:00.000Z'));
  const expiring = await store.getOrder(204);
  if (!expiring) throw new Error('order 204 not tracked');
  await store.expireOrder(expiring, statuses, new Date('2025-03-01T11:00:00.000Z'));
  const logger = new Logger({ logLevel: 'SILENT' });
  handler = createHistoryHandler({ store, audit, logger, now: () => now });
});
afterAll(() => table.drop());

function get(path: string, query = '', method = 'GET'): Promise<APIGatewayProxyStructuredResultV2> {
  const route = path.startsWith('/orders/') ? '/orders/{orderId}' : path;
  const event = {
    version: '2.0',
    routeKey: `GET ${route}`,
    rawPath: path,
    rawQueryString: query,
    headers: {},
    isBase64Encoded: false,
    pathParameters: path.startsWith('/orders/') ? { orderId: path.slice(8) } : undefined,
    requestContext: { http: { method, path } },
  } as unknown as APIGatewayProxyEventV2;
  return handler(event, lambdaContext()) as Promise<APIGatewayProxyStructuredResultV2>;
}

const json = (result: APIGatewayProxyStructuredResultV2) =>
  JSON.parse(result.body ?? '') as Record<string, unknown> & {
    items: Record<string, unknown>[];
    nextCursor: string | null;
  };

describe('GET /orders', () => {
  it('lists the orders of a state, newest change first, each as GET /orders/{orderId} shows it', async () => {
    const result = await get('/orders', 'state=resolved&changedAfter=2025-03-01&changedBefore=-1h');

    expect(result.statusCode).toBe(200);
    const page = json(result);
    expect(page.items.map((order) => order.orderId)).toEqual([202, 201]);
    expect(page.nextCursor).toBeNull();
    const { history: _history, ...single } = json(await get('/orders/201'));
    expect(page.items[1]).toEqual(single);
  });

  it('pages with limit and the cursor it hands out', async () => {
    const first = json(await get('/orders', 'limit=2&changedAfter=2025-03-01'));
    const second = json(
      await get('/orders', `limit=2&changedAfter=2025-03-01&cursor=${first.nextCursor}`),
    );

    expect(first.items.map((order) => order.orderId)).toEqual([204, 202]);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(second.items.map((order) => order.orderId)).toEqual([201, 203]);
  });

  it('lists stuck orders: tracking since before trackedBefore (relative to now)', async () => {
    const page = json(await get('/orders', 'state=tracking&trackedBefore=-2h'));

    expect(page.items.map((order) => order.orderId)).toEqual([203]);
    expect(json(await get('/orders', 'state=tracking&trackedBefore=-4h')).items).toEqual([]);
  });
});

describe('GET /transitions', () => {
  it('lists the entries of a range in time order, with their order id', async () => {
    const page = json(
      await get('/transitions', 'from=2025-03-01T10:00:00Z&to=2025-03-01T10:30:00Z'),
    );

    expect(page.items.map((item) => [item.orderId, item.status, item.kind])).toEqual([
      [201, 'waiting', 'observed'],
      [201, 'completed', 'resolved'],
      [202, 'failed', 'resolved'],
    ]);
    expect(page.items[0]).toMatchObject({ sessionId: 1, seq: 1, eventId: 'pss-201-1-1' });
  });

  it('filters by status and kind', async () => {
    const byStatus = json(await get('/transitions', 'from=-1d&status=failed,completed'));
    const byKind = json(await get('/transitions', 'from=-1d&kind=expired'));

    expect(byStatus.items.map((item) => item.orderId)).toEqual([201, 202]);
    expect(byKind.items.map((item) => [item.orderId, item.pendingSessionIds])).toEqual([
      [204, [4]],
    ]);
  });
});

describe('bad parameters', () => {
  const SECRET_LOOKING = 'zz9<script>';

  async function problem(path: string, query: string) {
    const result = await get(path, query);
    expect(result.statusCode).toBe(400);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(result.body).not.toContain('zz9');
    const body = JSON.parse(result.body ?? '') as {
      type: string;
      errors: { parameter: string; detail: string }[];
    };
    expect(body.type).toBe(PROBLEM_TYPES.invalidParameters);
    return body.errors.map((error) => error.parameter);
  }

  it('names every bad parameter of GET /orders at once, never echoing a value', async () => {
    const v = encodeURIComponent(SECRET_LOOKING);
    expect(
      await problem('/orders', `state=${v}&changedAfter=${v}&changedBefore=${v}&limit=${v}`),
    ).toEqual(['state', 'changedAfter', 'changedBefore', 'limit']);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=1.5', 'limit'],
    ['changedAfter=2025-03-02&changedBefore=2025-03-01', 'changedAfter'],
    ['changedAfter=2025-03-01T10:00:00', 'changedAfter'],
    ['state=resolved&trackedBefore=-1h', 'trackedBefore'],
    ['trackedBefore=-1h&changedAfter=-2h', 'trackedBefore'],
    ['state=resolved&state=expired', 'state'],
    ['zz9=1', 'zz9'],
    ['cursor=zz9', 'cursor'],
  ])('GET /orders?%s names %s', async (query, parameter) => {
    const result = await get('/orders', query);
    expect(result.statusCode).toBe(400);
    const body = JSON.parse(result.body ?? '') as { errors: { parameter: string }[] };
    expect(body.errors.map((error) => error.parameter)).toEqual([parameter]);
  });

  it.each([
    ['', 'from'],
    ['from=-1d&to=-2d', 'from'],
    ['from=-1d&kind=observed,zz9', 'kind'],
    ['from=-1d&status=', 'status'],
    ['from=-1x', 'from'],
    ['from=-1d&limit=-5', 'limit'],
  ])('GET /transitions?%s names %s', async (query, parameter) => {
    expect(await problem('/transitions', query)).toEqual([parameter]);
  });

  it('refuses a cursor of another listing', async () => {
    const orders = json(await get('/orders', 'limit=1&changedAfter=2025-03-01'));

    expect(await problem('/transitions', `from=-1d&cursor=${orders.nextCursor}`)).toEqual([
      'cursor',
    ]);
    expect(await problem('/orders', `state=expired&cursor=${orders.nextCursor}`)).toEqual([
      'cursor',
    ]);
  });

  it('answers 405 to anything but GET', async () => {
    const result = await get('/transitions', 'from=-1d', 'DELETE');
    expect(result.statusCode).toBe(405);
  });
});
