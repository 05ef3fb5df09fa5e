import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonAnswer } from '../../functions/core/http-answers';
import { PROBLEM_TYPES } from '../../functions/core/problem-types';
import { createHttpAdapter } from '../../infra/local/http-adapter';
import { lambdaContext } from '../../infra/local/lambda-context';

let server: Server;
let base: string;
let port: number;
const errors: unknown[] = [];
const seenBodies: (string | undefined)[] = [];

beforeAll(async () => {
  server = createHttpAdapter({
    routes: [
      {
        routeKey: 'GET /boom/{id}',
        handler: async () => {
          throw new Error('handler broke');
        },
      },
      {
        routeKey: 'POST /echo',
        handler: async (event) => {
          seenBodies.push(event.body);
          return jsonAnswer(200, { length: event.body?.length ?? 0 });
        },
      },
      {
        routeKey: 'GET /items/{id}',
        handler: async (event) => jsonAnswer(200, { id: event.pathParameters?.id }),
      },
    ],
    context: (name) => lambdaContext(name),
    onError: (error) => errors.push(error),
    limits: {
      maxBodyBytes: 1024,
      maxUrlLength: 200,
      maxHeaderBytes: 2048,
      headersTimeoutMs: 500,
      requestTimeoutMs: 1000,
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Writes `raw` to a fresh connection, optionally half-closes, and returns all it read back. */
function rawExchange(raw: string, options: { end?: boolean; waitMs?: number } = {}) {
  return new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    socket.on('error', () => resolve(received));
    socket.on('close', () => resolve(received));
    socket.write(raw);
    if (options.end) socket.end();
    if (options.waitMs) setTimeout(() => socket.destroy(), options.waitMs);
  });
}

const stillServing = async () => {
  const answer = await fetch(`${base}/items/7`);
  expect(answer.status).toBe(200);
  expect(await answer.json()).toEqual({ id: '7' });
};

describe('the local HTTP adapter', () => {
  it('answers a path with malformed percent-encoding with a 400 problem', async () => {
    for (const path of ['/items/%ZZ', '/items/%E0%A4%A', '/items/%', '/items/%C0%AF']) {
      const answer = await fetch(`${base}${path}`);
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
      expect(((await answer.json()) as { type: string }).type).toBe(PROBLEM_TYPES.badRequest);
    }
    await stillServing();
  });

  it('answers an unexpected handler error with a logged 500 problem and keeps serving', async () => {
    const before = errors.length;
    const answer = await fetch(`${base}/boom/1`);
    expect(answer.status).toBe(500);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    const body = (await answer.json()) as { type: string; detail: string };
    expect(body.type).toBe(PROBLEM_TYPES.internal);
    expect(body.detail).not.toContain('handler broke');
    expect(errors.length).toBe(before + 1);
    await stillServing();
  });

  it('refuses an overlong URL with 414 and an oversized body with 413', async () => {
    expect((await fetch(`${base}/items/${'1'.repeat(300)}`)).status).toBe(414);
    const declared = await fetch(`${base}/echo`, { method: 'POST', body: 'x'.repeat(5000) });
    expect(declared.status).toBe(413);
    // Chunked, so the size is only known while reading.
    const chunked = await rawExchange(
      `POST /echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n800\r\n${'y'.repeat(0x800)}\r\n0\r\n\r\n`,
    );
    expect(chunked).toMatch(/^HTTP\/1\.1 413/);
    await stillServing();
  });

  it('answers headers over the limit with 431 and a client too slow with 408', async () => {
    const oversized = await rawExchange(
      `GET /items/1 HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(4096)}\r\n\r\n`,
    );
    expect(oversized).toMatch(/^HTTP\/1\.1 431/);
    // Headers started but never finished: the headers timeout ends it.
    const slow = await rawExchange('GET /items/1 HTTP/1.1\r\nhost: x\r\n');
    expect(slow).toMatch(/^HTTP\/1\.1 408/);
    await stillServing();
  });

  it('never hands a truncated body to a handler', async () => {
    const before = seenBodies.length;
    // Declares 100 bytes, sends 10 and closes its side.
    await rawExchange(
      'POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"orderId"',
      { end: true, waitMs: 1500 },
    );
    expect(seenBodies.length).toBe(before);
    await stillServing();
  });

  it('answers a request line it cannot parse with 400', async () => {
    const answer = await rawExchange('GARBAGE\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    const badTarget = await rawExchange(
      'GET http://[::1 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
    );
    expect(badTarget).toMatch(/^HTTP\/1\.1 (400|404)/);
    await stillServing();
  });
});
