/**
 * A local stand-in for EventBridge's `PutEvents`, at the wire: the local runtime's own
 * endpoint (`infra/local/put-events`), which the real `@aws-sdk/client-eventbridge` talks to,
 * plus what tests need: every request recorded, the accepted events kept in the shape a
 * subscriber receives them, and chosen entries (as `FailedEntryCount` + per-entry `ErrorCode`)
 * or whole requests failed on demand, to exercise the publisher's retries.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  type DeliveredEvent,
  type RecordedRequest,
  startPutEventsEndpoint,
  type WireEntry,
  type WireError,
} from '../../infra/local/put-events';

export interface EntryFaultContext {
  /** How many times an entry with this key (the detail's `eventId`) has arrived, this one included. */
  attempt: number;
}

/** Decides whether to fail one entry; undefined accepts it. */
export type EntryFault = (entry: WireEntry, context: EntryFaultContext) => WireError | undefined;

/** Decides whether to refuse a whole request (the n-th, from 1); undefined serves it. */
export type RequestFault = (requestNumber: number) => { status: number; type: string } | undefined;

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

export async function startEventBridgeEndpoint(): Promise<EventBridgeEndpoint> {
  const requests: RecordedRequest[] = [];
  const delivered: DeliveredEvent[] = [];
  const attempts = new Map<string, number>();
  const clients: EventBridgeClient[] = [];
  let entryFault: EntryFault | undefined;
  let requestFault: RequestFault | undefined;

  const server = await startPutEventsEndpoint({
    onRequest: (record) => requests.push(record),
    refuseRequest: () => requestFault?.(requests.length),
    failEntry: (entry) => {
      const key = entryKey(entry);
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      return entryFault?.(entry, { attempt });
    },
    onEvent: (event) => delivered.push(event),
  });
  const { endpoint } = server;

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
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        // The publisher's own retries are under test, not the SDK's.
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      await server.close();
    },
  };
}
