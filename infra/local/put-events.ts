/**
 * EventBridge's `PutEvents` at the wire (AWS JSON 1.1), for the real `@aws-sdk/client-eventbridge`
 * to talk to: the service's request limits, its per-entry errors, and each accepted event in the
 * shape EventBridge delivers it to a target. The local runtime's event sink and the tests'
 * endpoint (which adds fault injection through the hooks) are both this one server.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An entry as it arrives on the wire (`Time` is epoch seconds in AWS JSON 1.1). */
export interface WireEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Time?: number;
  Resources?: string[];
  TraceHeader?: string;
}

export type WireError = { ErrorCode: string; ErrorMessage: string };
export type WireResult = { EventId: string } | WireError;

/** An accepted event, as EventBridge delivers it to a target. */
export interface DeliveredEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface RecordedRequest {
  entries: WireEntry[];
  /** Undefined when the request as a whole was refused. */
  results?: WireResult[];
  /** The error type when the request as a whole was refused. */
  error?: string;
}

/** A refusal of a whole request, as the service answers a throttled or failing call. */
export interface WireRefusal {
  status: number;
  type: string;
}

export const MAX_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;
const ACCOUNT = '000000000000';
const REGION = 'local';

/** The service's own size rule, written independently of the product's `entrySize`. */
export function wireEntrySize(entry: WireEntry): number {
  const utf8 = (text?: string) => (text ? Buffer.byteLength(text) : 0);
  return (
    (entry.Time !== undefined ? 14 : 0) +
    utf8(entry.Source) +
    utf8(entry.DetailType) +
    utf8(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + utf8(resource), 0)
  );
}

export interface PutEventsHooks {
  /** Sees each request first; its record is then filled in with the results or the error. */
  onRequest?: (record: RecordedRequest) => void;
  /** May refuse the request as a whole. */
  refuseRequest?: () => WireRefusal | undefined;
  /** May fail one otherwise valid entry. */
  failEntry?: (entry: WireEntry) => WireError | undefined;
  /** Each accepted event. */
  onEvent?: (event: DeliveredEvent) => void;
}

export interface PutEventsEndpoint {
  endpoint: string;
  close(): Promise<void>;
}

function accept(entry: WireEntry, hooks: PutEventsHooks): WireResult {
  if (!entry.Source || !entry.DetailType || !entry.Detail) {
    return {
      ErrorCode: 'InvalidArgument',
      ErrorMessage: 'Source, DetailType and Detail are required',
    };
  }
  let detail: Record<string, unknown>;
  try {
    detail = JSON.parse(entry.Detail) as Record<string, unknown>;
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  const failure = hooks.failEntry?.(entry);
  if (failure) return failure;
  const id = randomUUID();
  hooks.onEvent?.({
    version: '0',
    id,
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: ACCOUNT,
    // EventBridge's `time` has whole seconds.
    time: new Date((entry.Time ?? Date.now() / 1000) * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: entry.Resources ?? [],
    detail,
  });
  return { EventId: id };
}

/** Answers one PutEvents body: the status and the JSON the service would send. */
function putEvents(entries: WireEntry[], hooks: PutEventsHooks): { status: number; body: unknown } {
  const record: RecordedRequest = { entries };
  hooks.onRequest?.(record);
  const refusal = hooks.refuseRequest?.();
  const refuse = (status: number, type: string, message: string) => {
    record.error = type;
    return { status, body: { __type: type, message } };
  };
  if (refusal) return refuse(refusal.status, refusal.type, 'injected request failure');
  if (entries.length === 0 || entries.length > MAX_ENTRIES) {
    return refuse(400, 'ValidationException', `1 to ${MAX_ENTRIES} entries per request`);
  }
  if (entries.reduce((sum, entry) => sum + wireEntrySize(entry), 0) > MAX_REQUEST_BYTES) {
    return refuse(
      400,
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
    );
  }
  const results = entries.map((entry) => accept(entry, hooks));
  record.results = results;
  return {
    status: 200,
    body: {
      FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
      Entries: results,
    },
  };
}

export async function startPutEventsEndpoint(
  hooks: PutEventsHooks = {},
): Promise<PutEventsEndpoint> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      const target = request.headers['x-amz-target'];
      if (request.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
        return reply(400, {
          __type: 'UnknownOperationException',
          message: `unsupported operation ${String(target)}`,
        });
      }
      let body: { Entries?: WireEntry[] };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries?: WireEntry[] };
      } catch {
        return reply(400, { __type: 'SerializationException', message: 'body is not JSON' });
      }
      const answer = putEvents(body.Entries ?? [], hooks);
      reply(answer.status, answer.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
