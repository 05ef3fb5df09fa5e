/**
 * Serves HTTP on loopback by turning each request into the API Gateway HTTP API (payload v2)
 * event the deployed functions receive, and their answer back into HTTP. The route table
 * mirrors the stack's routes; there is no second router behind it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

export interface Route {
  /** As in API Gateway, e.g. `GET /orders/{orderId}` or `ANY /webhooks/payment-sessions`. */
  routeKey: string;
  handler: HttpHandler;
}

/** API Gateway's own payload limit for HTTP APIs is 10 MB; the webhook enforces its own 64 KB. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

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
      names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]),
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
  const url = new URL(request.url ?? '/', 'http://localhost');
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

export function createHttpAdapter(options: {
  routes: readonly Route[];
  context: (functionName: string) => Context;
  /** Answers paths outside the route table (e.g. `/health`) before API Gateway's 404. */
  extra?: (request: IncomingMessage, response: ServerResponse) => boolean;
  onError?: (error: unknown) => void;
}): Server {
  return createServer((request, response) => {
    if (options.extra?.(request, response)) return;
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const matched = matchRoute(options.routes, request.method ?? 'GET', path);
    if (!matched) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'Not Found' }));
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        response.writeHead(413, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: 'Request Entity Too Large' }));
        return;
      }
      const event = toEvent(
        request,
        Buffer.concat(chunks),
        matched.route.routeKey,
        matched.pathParameters,
      );
      const functionName = matched.route.routeKey.split(' ')[1] ?? 'function';
      matched.route.handler(event, options.context(functionName)).then(
        (result) => send(response, result),
        (error: unknown) => {
          options.onError?.(error);
          // What API Gateway answers when the integration fails.
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ message: 'Internal Server Error' }));
        },
      );
    });
  });
}
