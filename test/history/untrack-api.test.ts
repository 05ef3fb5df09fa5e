/**
 * `DELETE /orders/{orderId}` over real HTTP (the local adapter, the deployed handlers, the
 * routes as defined once) against DynamoDB Local: the answers, idempotence, refusals as
 * problem details, and the races with a second DELETE and with the poller.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UNTRACK_REASON_MAX_LENGTH } from '../../functions/core/events/contract';
import { AuditQueries } from '../../functions/core/history/audit';
import { LeaseStore } from '../../functions/core/lease';
import type { OrderState, PaymentSession } from '../../functions/core/model';
import { PROBLEM_TYPES } from '../../functions/core/problem-types';
import { ROUTES, routeKey } from '../../functions/core/routes';
import { SessionStore, type UntrackRequest } from '../../functions/core/store';
import { Tracker } from '../../functions/core/tracker';
import { createHistoryHandler } from '../../functions/history/handler';
import { createUntrackHandler, type UntrackDeps } from '../../functions/untrack/handler';
import { createHttpAdapter } from '../../infra/local/http-adapter';
import { lambdaContext } from '../../infra/local/lambda-context';
import { httpApiEvent } from '../support/apigw';
import { createTestTable, type TestTable } from '../support/dynamo';
import { paymentSession, statuses } from '../support/payment-sessions';

let table: TestTable;
let store: SessionStore;
let server: Server;
let base: string;
/** The store the untrack handler uses; a test may put a racing one in its place. */
let untrackStore: UntrackDeps['store'];
const silent = () => new Logger({ logLevel: 'SILENT' });

beforeAll(async () => {
  table = await createTestTable('untrack-api');
  store = new SessionStore({ client: table.client, tableName: table.tableName });
  untrackStore = store;
  const audit = new AuditQueries({ client: table.client, tableName: table.tableName });
  const untrack = createUntrackHandler({
    store: {
      getOrder: (...args) => untrackStore.getOrder(...args),
      readOrder: (...args) => untrackStore.readOrder(...args),
      untrackOrder: (...args) => untrackStore.untrackOrder(...args),
    },
    logger: silent(),
  });
  server = createHttpAdapter({
    routes: [
      {
        routeKey: routeKey(ROUTES.history),
        handler: createHistoryHandler({ store, audit, logger: silent() }),
      },
      { routeKey: routeKey(ROUTES.untrack), handler: untrack },
    ],
    context: (name) => lambdaContext(name),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await table.drop();
});

let nextOrderId = 7000;

async function trackedOrder(status = 'waiting'): Promise<OrderState> {
  const orderId = nextOrderId++;
  const { order } = await store.trackOrder(orderId);
  await store.recordObservation(order, [paymentSession(orderId, orderId * 10, status)], statuses);
  const recorded = await store.getOrder(orderId);
  if (!recorded) throw new Error('order vanished');
  return recorded;
}

async function call(method: string, path: string) {
  const response = await fetch(`${base}${path}`, { method });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

const kindsOf = async (orderId: number) =>
  ((await store.readOrder(orderId))?.history ?? []).map((entry) => entry.kind);

describe('DELETE /orders/{orderId}', () => {
  it('stops a tracked order: 200 with the order as GET shows it, the entry last', async () => {
    const order = await trackedOrder();
    const stopped = await call('DELETE', `/orders/${order.orderId}?reason=typo%20in%20id`);
    expect(stopped.status).toBe(200);
    expect(stopped.type).toBe('application/json');
    expect(stopped.body).toMatchObject({ orderId: order.orderId, state: 'untracked' });
    expect((stopped.body.history as Record<string, unknown>[]).at(-1)).toMatchObject({
      kind: 'untracked',
      sessionId: null,
      status: null,
      pendingSessionIds: [order.orderId * 10],
      reason: 'typo in id',
    });
    const read = await call('GET', `/orders/${order.orderId}`);
    expect(read.body).toEqual(stopped.body);
  });

  it('answers a second DELETE the same way and writes nothing', async () => {
    const order = await trackedOrder();
    const first = await call('DELETE', `/orders/${order.orderId}`);
    const items = await table.scanAll();
    const second = await call('DELETE', `/orders/${order.orderId}?reason=again`);
    expect(second).toEqual(first);
    expect(await table.scanAll()).toEqual(items);
  });

  it('answers 404 for an unknown order and 409 for one that resolved on its own', async () => {
    const missing = await call('DELETE', '/orders/987654');
    expect(missing).toMatchObject({
      status: 404,
      type: 'application/problem+json',
      body: { type: PROBLEM_TYPES.orderNotFound, orderId: 987654, instance: '/orders/987654' },
    });
    const resolved = await trackedOrder('completed');
    const refused = await call('DELETE', `/orders/${resolved.orderId}`);
    expect(refused).toMatchObject({
      status: 409,
      type: 'application/problem+json',
      body: {
        type: PROBLEM_TYPES.orderNotTracked,
        title: 'Order not tracked',
        status: 409,
        orderId: resolved.orderId,
        state: 'resolved',
      },
    });
    expect(await kindsOf(resolved.orderId)).toEqual(['resolved']);
  });

  it('refuses a bad id, a bad reason and unknown parameters, naming them and echoing nothing', async () => {
    const order = await trackedOrder();
    expect(await call('DELETE', '/orders/0x1')).toMatchObject({
      status: 400,
      body: { type: PROBLEM_TYPES.invalidOrderId },
    });
    const long = 'x'.repeat(UNTRACK_REASON_MAX_LENGTH + 1);
    for (const query of [`reason=${long}`, 'reason=line%0Abreak', 'reason=', 'force=yes']) {
      const refused = await call('DELETE', `/orders/${order.orderId}?${query}`);
      expect(refused.status).toBe(400);
      expect(refused.body.type).toBe(PROBLEM_TYPES.invalidParameters);
      expect(JSON.stringify(refused.body)).not.toContain('line');
      expect(JSON.stringify(refused.body)).not.toContain(long);
    }
    expect((await store.getOrder(order.orderId))?.state).toBe('tracking');
  });

  it('records who asked: the IAM caller API Gateway authorized', async () => {
    const order = await trackedOrder();
    const handler = createUntrackHandler({ store, logger: silent() });
    const event = httpApiEvent({ method: 'DELETE', path: `/orders/${order.orderId}` });
    const authorized = {
      ...event,
      routeKey: routeKey(ROUTES.untrack),
      pathParameters: { orderId: String(order.orderId) },
      requestContext: {
        ...event.requestContext,
        authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/ops' } },
      },
    } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
    const result = await handler(authorized, lambdaContext());
    expect(result.statusCode).toBe(200);
    expect((await store.readOrder(order.orderId))?.history.at(-1)?.requestedBy).toBe(
      'arn:aws:iam::123456789012:user/ops',
    );
  });

  it('refuses another method with 405 and logs one line without the reason', async () => {
    const logger = silent();
    const info = vi.spyOn(logger, 'info');
    const handler = createUntrackHandler({ store, logger });
    const event = httpApiEvent({
      method: 'POST',
      path: '/orders/1',
      query: { reason: 'secret-looking words' },
    });
    const result = await handler(event, lambdaContext());
    expect(result.statusCode).toBe(405);
    expect(result.headers?.allow).toBe('DELETE');
    expect(info).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(info.mock.calls)).not.toContain('secret-looking');
  });
});

describe('DELETE /orders/{orderId} races', () => {
  it('eight DELETEs at once: all 200 with the same order, one entry', async () => {
    const order = await trackedOrder();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => call('DELETE', `/orders/${order.orderId}`)),
    );
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]?.status).toBe(200);
    expect(await kindsOf(order.orderId)).toEqual(['observed', 'untracked']);
  });

  it('a DELETE that loses to a poll stops after the poll’s transition', async () => {
    const order = await trackedOrder();
    let polled = false;
    untrackStore = {
      getOrder: (orderId) => store.getOrder(orderId),
      readOrder: (orderId) => store.readOrder(orderId),
      async untrackOrder(read: OrderState, request?: UntrackRequest, at?: Date) {
        if (!polled) {
          polled = true; // the poll commits between the DELETE's read and its write
          const moved = [paymentSession(read.orderId, read.orderId * 10, 'processing')];
          await store.recordObservation(read, moved, statuses);
        }
        return store.untrackOrder(read, request, at);
      },
    };
    try {
      const answer = await call('DELETE', `/orders/${order.orderId}`);
      expect(answer.status).toBe(200);
      expect(await kindsOf(order.orderId)).toEqual(['observed', 'changed', 'untracked']);
    } finally {
      untrackStore = store;
    }
  });

  it('a poll that loses to a DELETE records nothing after it', async () => {
    const order = await trackedOrder();
    const source = {
      async getSessionsByOrderId(orderId: number): Promise<PaymentSession[]> {
        expect((await call('DELETE', `/orders/${orderId}`)).status).toBe(200);
        return [paymentSession(orderId, orderId * 10, 'completed')];
      },
    };
    const leases = new LeaseStore(table.client, table.tableName);
    const tracker = new Tracker({ store, leases, source, statuses });
    const result = await tracker.checkOrder(order);
    expect(result).toMatchObject({ tracking: false, transitions: [] });
    expect(await kindsOf(order.orderId)).toEqual(['observed', 'untracked']);
  });
});
