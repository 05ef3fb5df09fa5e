import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditQueries } from '../../functions/core/history/audit';
import { PROBLEM_TYPES as PROBLEM_TYPE } from '../../functions/core/problem-types';
import { SessionStore } from '../../functions/core/store';
import { createHistoryHandler } from '../../functions/history/handler';
import { lambdaContext } from '../../infra/local/lambda-context';
import { createTestTable, type TestTable } from '../support/dynamo';
import { driveOrder, paymentSession, statuses } from '../support/payment-sessions';

let table: TestTable;
let store: SessionStore;

beforeAll(async () => {
  table = await createTestTable('history');
  store = new SessionStore({ client: table.client, tableName: table.tableName });
  await driveOrder(store, 123, [
    [[501, 'waiting']],
    [[501, 'processing'], paymentSession(123, 502, 'waiting', { amount: null, type: 'invoice' })],
    [[501, 'completed'], paymentSession(123, 502, 'cancelled', { amount: null, type: 'invoice' })],
  ]);
  await driveOrder(store, 124, [[[601, 'waiting']]]);
  const order = await store.getOrder(124);
  if (!order) throw new Error('order 124 not tracked');
  await store.expireOrder(order, statuses, new Date('2025-03-02T10:00:00.000Z'));
});
afterAll(() => table.drop());
afterEach(() => vi.unstubAllEnvs());

function request(orderId: string | undefined, method = 'GET'): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'GET /orders/{orderId}',
    rawPath: `/orders/${orderId ?? ''}`,
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    pathParameters: orderId === undefined ? undefined : { orderId },
    requestContext: { http: { method, path: `/orders/${orderId}` } },
  } as unknown as APIGatewayProxyEventV2;
}

function setup() {
  const logger = new Logger({ logLevel: 'SILENT' });
  const info = vi.spyOn(logger, 'info');
  const error = vi.spyOn(logger, 'error');
  const audit = new AuditQueries({ client: table.client, tableName: table.tableName });
  return { handler: createHistoryHandler({ store, audit, logger }), info, error };
}

const body = (result: APIGatewayProxyStructuredResultV2) =>
  JSON.parse(result.body ?? '') as Record<string, unknown>;

describe('GET /orders/{orderId}', () => {
  it('answers 200 with the order, its sessions and its history in order', async () => {
    const { handler, info } = setup();

    const result = await handler(request('123'), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('application/json');
    expect(result.headers?.['cache-control']).toBe('no-store');
    expect(result.headers?.['x-content-type-options']).toBe('nosniff');
    const view = body(result);
    expect(view).toMatchObject({
      orderId: 123,
      state: 'resolved',
      trackedSince: '2025-03-01T10:00:00.000Z',
    });
    expect(view.sessions).toEqual([
      expect.objectContaining({
        sessionId: 501,
        status: 'completed',
        resolved: true,
        amount: 125.5,
        type: 'session',
        lastChangedAt: '2025-03-01T10:03:00.000Z',
      }),
      expect.objectContaining({
        sessionId: 502,
        status: 'cancelled',
        resolved: true,
        amount: null,
        type: 'invoice',
      }),
    ]);
    const history = view.history as Record<string, unknown>[];
    expect(
      history.map((item) => [
        item.observedAt,
        item.sessionId,
        item.previousStatus,
        item.status,
        item.kind,
      ]),
    ).toEqual([
      ['2025-03-01T10:01:00.000Z', 501, null, 'waiting', 'observed'],
      ['2025-03-01T10:02:00.000Z', 501, 'waiting', 'processing', 'changed'],
      ['2025-03-01T10:02:00.000Z', 502, null, 'waiting', 'observed'],
      ['2025-03-01T10:03:00.000Z', 501, 'processing', 'completed', 'resolved'],
      ['2025-03-01T10:03:00.000Z', 502, 'waiting', 'cancelled', 'resolved'],
    ]);
    expect(history[0]?.eventId).toBe('pss-123-501-1');
    expect(info).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledWith(
      'history request',
      expect.objectContaining({ statusCode: 200, orderId: '123' }),
    );
  });

  it('shows an expired order with the sessions left pending', async () => {
    const { handler } = setup();

    const view = body(await handler(request('124'), lambdaContext()));

    expect(view.state).toBe('expired');
    expect((view.history as unknown[]).at(-1)).toMatchObject({
      kind: 'expired',
      sessionId: null,
      status: null,
      pendingSessionIds: [601],
    });
  });

  it('answers 404 problem details for an order it does not know', async () => {
    const { handler } = setup();

    const result = await handler(request('999'), lambdaContext());

    expect(result.statusCode).toBe(404);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(body(result)).toEqual({
      type: PROBLEM_TYPE.orderNotFound,
      title: 'Order not found',
      status: 404,
      detail:
        'Order 999 is not tracked: an order is tracked once a webhook (or discovery) names it.',
      instance: '/orders/999',
      orderId: 999,
    });
  });

  it.each(['abc', '0', '-1', '1.5', '1e3', '12abc', ' ', '99999999999999999999'])(
    'answers 400 problem details for the order id %j',
    async (orderId) => {
      const { handler, info } = setup();

      const result = await handler(request(orderId), lambdaContext());

      expect(result.statusCode).toBe(400);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      expect(body(result)).toMatchObject({
        type: PROBLEM_TYPE.invalidOrderId,
        title: 'Invalid order id',
        status: 400,
      });
      expect(body(result).detail).toContain('positive integer');
      expect(info).toHaveBeenCalledWith(
        'history request',
        expect.objectContaining({ statusCode: 400 }),
      );
    },
  );

  it('answers 400, not 500, when the path parameter is missing', async () => {
    const { handler } = setup();
    expect((await handler(request(undefined), lambdaContext())).statusCode).toBe(400);
  });

  it('answers 405 with Allow for another method', async () => {
    const { handler } = setup();
    const result = await handler(request('123', 'DELETE'), lambdaContext());
    expect(result.statusCode).toBe(405);
    expect(result.headers?.allow).toBe('GET, HEAD');
  });

  it('answers 500 problem details, without internals, when the table fails, and logs the error', async () => {
    const logger = new Logger({ logLevel: 'SILENT' });
    const error = vi.spyOn(logger, 'error');
    const broken = {
      readOrder: () => Promise.reject(new Error('ProvisionedThroughputExceeded at table xyz')),
    };
    const audit = new AuditQueries({ client: table.client, tableName: table.tableName });
    const handler = createHistoryHandler({ store: broken, audit, logger });

    const result = await handler(request('123'), lambdaContext());

    expect(result.statusCode).toBe(500);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(result.body).not.toContain('xyz');
    expect(error).toHaveBeenCalledWith(
      'history request failed',
      expect.objectContaining({ statusCode: 500 }),
    );
  });
});

describe('the default handler', () => {
  it('reads TABLE_NAME and DYNAMODB_ENDPOINT on the first call', async () => {
    vi.stubEnv('TABLE_NAME', table.tableName);
    vi.stubEnv('DYNAMODB_ENDPOINT', table.endpoint);
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.resetModules();
    const { handler } = await import('../../functions/history/handler');

    expect((await handler(request('123'), lambdaContext())).statusCode).toBe(200);
  });

  it('throws a configuration error naming the missing setting', async () => {
    vi.stubEnv('TABLE_NAME', '');
    vi.resetModules();
    const { handler } = await import('../../functions/history/handler');

    await expect(handler(request('123'), lambdaContext())).rejects.toThrow(
      'Invalid configuration: TABLE_NAME is required',
    );
  });
});
