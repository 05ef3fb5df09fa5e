/**
 * API Gateway HTTP API (payload format 2.0) events, as the gateway builds them: lower-cased
 * header names, `content-type` and friends as plain headers, the body as text or base64.
 * Tests use it, and the local runtime adapts its HTTP requests into the same shape.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface HttpApiRequest {
  method?: string;
  path?: string;
  /** Sent as given; `lowerCaseHeaders` (default true) lower-cases names as the gateway does. */
  headers?: Record<string, string>;
  lowerCaseHeaders?: boolean;
  query?: Record<string, string>;
  /** Text, or bytes (always base64-encoded, as the gateway does for binary bodies). */
  body?: string | Uint8Array;
  /** Encode a text body as base64 too. Default false. */
  isBase64Encoded?: boolean;
  sourceIp?: string;
}

export function httpApiEvent(request: HttpApiRequest = {}): APIGatewayProxyEventV2 {
  const method = request.method ?? 'POST';
  const path = request.path ?? '/webhooks/payment-sessions';
  const lowerCase = request.lowerCaseHeaders ?? true;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[lowerCase ? name.toLowerCase() : name] = value;
  }
  const query = new URLSearchParams(request.query ?? {}).toString();
  const binary = request.body instanceof Uint8Array;
  const encode = binary || request.isBase64Encoded === true;
  const body =
    request.body === undefined
      ? undefined
      : encode
        ? Buffer.from(request.body).toString('base64')
        : (request.body as string);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: query,
    headers,
    ...(request.query ? { queryStringParameters: { ...request.query } } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? 'test',
      },
      requestId: randomUUID(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: encode,
  };
}
