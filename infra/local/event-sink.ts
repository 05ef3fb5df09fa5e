/**
 * The local stand-in for EventBridge: a `PutEvents` endpoint (so the real publisher and the
 * real SDK client run unchanged) that appends each accepted event to `events.jsonl`, shaped as
 * EventBridge delivers it to a target.
 */
import { appendFileSync } from 'node:fs';
import { type DeliveredEvent, type PutEventsEndpoint, startPutEventsEndpoint } from './put-events';

export type { DeliveredEvent } from './put-events';

export function startEventSink(options: {
  file: string;
  onEvent?: (event: DeliveredEvent) => void;
}): Promise<PutEventsEndpoint> {
  return startPutEventsEndpoint({
    onEvent: (event) => {
      appendFileSync(options.file, `${JSON.stringify(event)}\n`);
      options.onEvent?.(event);
    },
  });
}
