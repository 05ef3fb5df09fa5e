/**
 * A local stand-in for EventBridge's `PutEvents`, at the wire: the real
 * `@aws-sdk/client-eventbridge` talks to it over HTTP (AWS JSON 1.1). It enforces the
 * service's request limits, records every request, keeps the accepted events in the shape a
 * subscriber receives them, and can fail chosen entries (as `FailedEntryCount` + per-entry
 * `ErrorCode`) or whole requests, to exercise the publisher's retries.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DeliveredEvent } from '../../infra/local/event-sink';

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

export type WireResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export type { DeliveredEvent } from '../../infra/local/event-sink';

export interface RecordedRequest {
  entries: WireEntry[];
  /** Undefined when the request as a whole was refused. */
  results?: WireResult[];
  /** The error type when the request as a whole was refused. */
  error?: string;
}

export interface EntryFaultContext {
  /** How many times an entry with this key (the detail's `eventId`) has arrived, this one included. */
  attempt: number;
}

/** Decides whether to fail one entry; undefined accepts it. */
export type EntryFault = (
  entry: WireEntry,
  context: EntryFaultContext,
) => { ErrorCode: string; ErrorMessage: string } | undefined;

/** Decides whether to refuse a whole request (the n-th, from 1); undefined serves it. */
export type RequestFault = (requestNumber: number) => { status: number; type: string } | undefined;

export const MAX_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

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

/** The entry's `eventId` (our contract's), else its raw detail: the key attempts are counted by. */
export function entryKey(entry: WireEntry): string {
  try {
    const detail = JSON.parse(entry.Detail ?? '') as { eventId?: unknown };
    if (typeof detail.eventId === 'string') return detail.eventId;
  } catch {
    // not JSON: fall through
  }
  return entry.Detail ?? '';
}

/** A deterministic number in [0, 1) per key (FNV-1a), so "30% of entries" is reproducible. */
export function unitHash(key: string, seed = 0): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}

export interface FailFractionOptions {
  /** Share of entries (chosen by their key) that fail. */
  fraction: number;
  /** How many of a chosen entry's first attempts fail. Default 1. */
  attempts?: number;
  /** Default `ThrottlingException` (retryable). */
  errorCode?: string;
  seed?: number;
}

/** Fails `fraction` of the entries on their first `attempts` tries. */
export function failFraction(options: FailFractionOptions): EntryFault {
  const attempts = options.attempts ?? 1;
  const code = options.errorCode ?? 'ThrottlingException';
  return (entry, { attempt }) =>
    attempt <= attempts && unitHash(entryKey(entry), options.seed) < options.fraction
      ? { ErrorCode: code, ErrorMessage: `injected failure (attempt ${attempt})` }
      : undefined;
}

export interface EventBridgeEndpoint {
  endpoint: string;
  /** Every PutEvents request, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Every accepted event, in acceptance order (duplicates included). */
  readonly delivered: DeliveredEvent[];
  /** Attempts seen per entry key. */
  attemptsOf(key: string): number;
  setEntryFault(fault: EntryFault | undefined): void;
  setRequestFault(fault: RequestFault | undefined): void;
  /** A real SDK client pointed here, with dummy credentials and no SDK-level retries. */
  client(): EventBridgeClient;
  close(): Promise<void>;
}

const ACCOUNT = '000000000000';
const REGION = 'local';

export async function startEventBridgeEndpoint(): Promise<EventBridgeEndpoint> {
  const requests: RecordedRequest[] = [];
  const delivered: DeliveredEvent[] = [];
  const attempts = new Map<string, number>();
  const clients: EventBridgeClient[] = [];
  let entryFault: EntryFault | undefined;
  let requestFault: RequestFault | undefined;

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };
  const refuse = (res: ServerResponse, status: number, type: string, message: string) =>
    reply(res, status, { __type: type, message });

  const putEvents = (entries: WireEntry[], res: ServerResponse) => {
    const recorded: RecordedRequest = { entries };
    requests.push(recorded);
    const fault = requestFault?.(requests.length);
    if (fault) {
      recorded.error = fault.type;
      return refuse(res, fault.status, fault.type, 'injected request failure');
    }
    if (entries.length === 0 || entries.length > MAX_ENTRIES) {
      recorded.error = 'ValidationException';
      return refuse(res, 400, 'ValidationException', `1 to ${MAX_ENTRIES} entries per request`);
    }
    const total = entries.reduce((sum, entry) => sum + wireEntrySize(entry), 0);
    if (total > MAX_REQUEST_BYTES) {
      recorded.error = 'ValidationException';
      return refuse(
        res,
        400,
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }
    const results = entries.map((entry): WireResult => {
      const key = entryKey(entry);
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
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
      const failure = entryFault?.(entry, { attempt });
      if (failure) return failure;
      const id = randomUUID();
      delivered.push({
        version: '0',
        id,
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: ACCOUNT,
        time: new Date((entry.Time ?? Date.now() / 1000) * 1000)
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        region: REGION,
        resources: entry.Resources ?? [],
        detail,
      });
      return { EventId: id };
    });
    recorded.results = results;
    reply(res, 200, {
      FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
      Entries: results,
    });
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
        return refuse(
          res,
          400,
          'UnknownOperationException',
          `unsupported operation ${String(target)}`,
        );
      }
      let body: { Entries?: WireEntry[] };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries?: WireEntry[] };
      } catch {
        return refuse(res, 400, 'SerializationException', 'body is not JSON');
      }
      putEvents(body.Entries ?? [], res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    requests,
    delivered,
    attemptsOf: (key) => attempts.get(key) ?? 0,
    setEntryFault(fault) {
      entryFault = fault;
    },
    setRequestFault(fault) {
      requestFault = fault;
    },
    client() {
      const client = new EventBridgeClient({
        endpoint,
        region: REGION,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        // The publisher's own retries are under test, not the SDK's.
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
