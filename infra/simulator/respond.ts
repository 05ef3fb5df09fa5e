/** Reading and writing HTTP messages the way OneEntry does, shared by both routers. */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** The body OneEntry sends with every non-2xx answer. */
export interface OneEntryErrorBody {
  statusCode: number;
  message: string;
  pageData: null;
  timestamp: string;
}

/** The request body is not JSON, or is too large to be one the simulator expects. */
export class InvalidBodyError extends Error {
  override readonly name = 'InvalidBodyError';
}

const MAX_BODY_BYTES = 64 * 1024;

export function errorBody(statusCode: number, message: string): OneEntryErrorBody {
  return { statusCode, message, pageData: null, timestamp: new Date().toISOString() };
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: OutgoingHttpHeaders = {},
): void {
  // The client may have gone, or close() may have ended the socket, while we waited.
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  sendText(res, status, JSON.stringify(body), headers);
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: OutgoingHttpHeaders = {},
): void {
  sendJson(res, status, errorBody(status, message), headers);
}

export function sendNoContent(res: ServerResponse): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(204).end();
}

/** The parsed JSON body; `undefined` when the body is empty. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new InvalidBodyError(`body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidBodyError('body is not valid JSON');
  }
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
