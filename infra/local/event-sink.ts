/**
 * The local stand-in for EventBridge: an HTTP endpoint that answers `PutEvents` like the
 * service, so the real publisher and the real SDK client run unchanged, and appends each event
 * to `events.jsonl` shaped as EventBridge delivers it to a target.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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

export interface EventSink {
  endpoint: string;
  close(): Promise<void>;
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Time?: number | string;
  Resources?: string[];
}

export async function startEventSink(options: {
  file: string;
  onEvent?: (event: DeliveredEvent) => void;
}): Promise<EventSink> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      if (request.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        Entries?: PutEventsEntry[];
      };
      const results = (body.Entries ?? []).map((entry) => {
        const event: DeliveredEvent = {
          version: '0',
          id: randomUUID(),
          'detail-type': entry.DetailType ?? '',
          source: entry.Source ?? '',
          account: '000000000000',
          time: entry.Time
            ? new Date(Number(entry.Time) * 1000).toISOString()
            : new Date().toISOString(),
          region: 'local',
          resources: entry.Resources ?? [],
          detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>,
        };
        appendFileSync(options.file, `${JSON.stringify(event)}\n`);
        options.onEvent?.(event);
        return { EventId: event.id };
      });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ FailedEntryCount: 0, Entries: results }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
