/**
 * Serves HTTP on loopback by turning each request into the API Gateway HTTP API (payload v2)
 * event the deployed functions receive, and their answer back into HTTP. The route table
 * mirrors the stack's routes; there is no second router behind it.
 *
 * Every request is answered, whatever it carries: a path that cannot be decoded is a 400, an
 * oversized URL or body a 414/413, a client too slow a 408, headers too large a 431 (or a closed
 * connection), and a handler that throws a logged 500. Nothing a client sends ends the process.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { type HttpAnswer, problemAnswer } from '../../functions/core/http-answers';
import { PROBLEM_TYPES } from '../../functions/core/problem-types';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

export interface Route {
  /** As in API Gateway, e.g. `GET /orders/{orderId}` or `ANY /webhooks/payment-sessions`. */
  routeKey: string;
  handler: HttpHandler;
}

/** The limits of the local server; each default follows API Gateway's or Node's own. */
export interface HttpLimits {
  /** Request body, in bytes. Default 10 MiB, API Gateway's payload limit for HTTP APIs. */
  maxBodyBytes: number;
  /** Request target (path and query), in characters. Default 8192. */
  maxUrlLength: number;
  /** Request line and headers, in bytes. Default 16 KiB (Node's default). */
  maxHeaderBytes: number;
  /** Time to receive the headers, in ms. Default 10000. */
  headersTimeoutMs: number;
  /** Time to receive the whole request, in ms. Default 30000. */
  requestTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxUrlLength: 8192,
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

/** The request cannot be turned into an event (e.g. malformed percent-encoding). */
export class MalformedRequestError extends Error {
  override readonly name = 'MalformedRequestError';
}

/** The request target, parsed; `MalformedRequestError` when it is not a valid URL. */
function parseTarget(request: IncomingMessage): URL {
  try {
    return new URL(request.url ?? '/', 'http://localhost');
  } catch {
    throw new MalformedRequestError('the request target is not a valid URL');
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new MalformedRequestError(
      `the path segment ${JSON.stringify(segment.slice(0, 100))} is not valid percent-encoded UTF-8`,
    );
  }
}

function matchRoute(routes: readonly Route[], method: string, path: string) {
  for (const route of routes) {
    const [routeMethod, routePath = ''] = route.routeKey.split(' ');
    if (routeMethod !== 'ANY' && routeMethod !== method) continue;
    const names: string[] = [];
    const pattern = routePath.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    const match = new RegExp(`^${pattern}$`).exec(path);
    if (!match) continue;
    const pathParameters = Object.fromEntries(
      names.map((name, index) => [name, decodeSegment(match[index + 1] ?? '')]),
    );
    return { route, pathParameters };
  }
  return undefined;
}

function isUtf8(buffer: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buffer);
    return true;
  } catch {
    return false;
  }
}

export function toEvent(
  request: IncomingMessage,
  body: Buffer,
  routeKey: string,
  pathParameters: Record<string, string>,
): APIGatewayProxyEventV2 {
  const url = parseTarget(request);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined)
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const now = new Date();
  const textual = body.length === 0 || isUtf8(body);
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length === 0 ? undefined : textual ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !textual,
  };
}

function send(response: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (
    typeof result === 'string' ||
    result === null ||
    typeof result !== 'object' ||
    !('statusCode' in result)
  ) {
    // API Gateway's rule for a bare value: 200 with the value as JSON.
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(typeof result === 'string' ? result : JSON.stringify(result));
    return;
  }
  const headers: Record<string, string | number | boolean> = { ...(result.headers ?? {}) };
  const body = result.body ?? '';
  response.writeHead(result.statusCode ?? 200, headers as Record<string, string>);
  response.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

/** Writes `answer` unless an answer is already on its way; `close` ends the connection after it. */
function answer(response: ServerResponse, result: HttpAnswer, close = false): void {
  if (response.headersSent || response.writableEnded) return;
  response.writeHead(result.statusCode, {
    ...result.headers,
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(result.body);
}

const problem = (status: number, type: string, title: string, detail: string, instance?: string) =>
  problemAnswer({ type, title, status, detail, ...(instance ? { instance } : {}) });

export interface HttpAdapterOptions {
  routes: readonly Route[];
  context: (functionName: string) => Context;
  /** Told about every handler failure (answered with a 500). */
  onError?: (error: unknown) => void;
  /** Default {@link DEFAULT_HTTP_LIMITS}. */
  limits?: Partial<HttpLimits>;
}

export function createHttpAdapter(options: HttpAdapterOptions): Server {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often the two timeouts above are enforced (Node's default is every 30 s).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    (request, response) => {
      serve(request, response, options, limits).catch((error: unknown) => {
        options.onError?.(error);
        answer(
          response,
          problem(
            500,
            PROBLEM_TYPES.internal,
            'Internal error',
            'The request failed; try again later.',
          ),
          true,
        );
      });
    },
  );
  // Node answers a request it cannot parse (408, 431, 400) and closes; a socket already gone
  // (reset mid-request) needs nothing more than closing.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
  return server;
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  options: HttpAdapterOptions,
  limits: HttpLimits,
): Promise<void> {
  // A reset or truncated upload is an `error` on the request: the client is gone, nothing to answer.
  request.on('error', () => {});
  if ((request.url ?? '').length > limits.maxUrlLength) {
    request.resume();
    return answer(
      response,
      problem(
        414,
        PROBLEM_TYPES.uriTooLong,
        'URI too long',
        `The request target is over ${limits.maxUrlLength} characters.`,
      ),
      true,
    );
  }
  let matched: ReturnType<typeof matchRoute>;
  let path: string;
  try {
    path = parseTarget(request).pathname;
    matched = matchRoute(options.routes, request.method ?? 'GET', path);
  } catch (error) {
    if (!(error instanceof MalformedRequestError)) throw error;
    request.resume();
    return answer(response, problem(400, PROBLEM_TYPES.badRequest, 'Bad request', error.message));
  }
  if (!matched) {
    request.resume();
    // What API Gateway answers for a route it does not have.
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ message: 'Not Found' }));
    return;
  }
  const tooLarge = () =>
    answer(
      response,
      problem(
        413,
        PROBLEM_TYPES.payloadTooLarge,
        'Payload too large',
        `The body is over ${limits.maxBodyBytes} bytes.`,
        path,
      ),
    );
  // The rest of an oversized body is read and dropped (so the client sees the answer, not a
  // reset); the request timeout bounds how long that may take.
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limits.maxBodyBytes) {
    request.resume();
    return tooLarge();
  }
  const body = await readBody(request, limits.maxBodyBytes);
  if (body === 'too-large') {
    request.removeAllListeners('data');
    request.resume();
    return tooLarge();
  }
  if (body === 'aborted') return;
  const event = toEvent(request, body, matched.route.routeKey, matched.pathParameters);
  const functionName = matched.route.routeKey.split(' ')[1] ?? 'function';
  const result = await matched.route.handler(event, options.context(functionName));
  send(response, result);
}

/** The whole body; `too-large` past `maxBytes`, `aborted` when the client went away first. */
function readBody(
  request: IncomingMessage,
  maxBytes: number,
): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) resolve('too-large');
      else chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('close', () => {
      if (!request.complete) resolve('aborted');
    });
  });
}
