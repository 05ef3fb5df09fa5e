/**
 * Where the watch's events go: the bus (a new one unless given), an archive of everything the
 * watch publishes, and the schema registry holding the event contract for code bindings.
 * Built on the watch itself, so the resources keep their logical ids.
 */
import { Duration } from 'aws-cdk-lib';
import { Archive, EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import type { Construct } from 'constructs';
import { paymentSessionEventRegistrySchema } from '../../functions/core/events/schema';

export interface WatchEventsProps {
  /** @default - a new custom bus */
  readonly eventBus?: IEventBus;
  readonly eventSource: string;
  /** @default Duration.days(365) */
  readonly archiveRetention?: Duration;
}

export interface WatchEvents {
  readonly eventBus: IEventBus;
  readonly archive: Archive;
  readonly schemaRegistry: CfnRegistry;
  readonly eventSchema: CfnSchema;
}

export function createWatchEvents(watch: Construct, props: WatchEventsProps): WatchEvents {
  const { eventSource } = props;
  const eventBus =
    props.eventBus ??
    new EventBus(watch, 'EventBus', { description: 'OneEntry payment-session transitions' });
  const archive = new Archive(watch, 'EventArchive', {
    sourceEventBus: eventBus,
    description: `Every ${eventSource} event, for replay`,
    eventPattern: { source: [eventSource] },
    retention: props.archiveRetention ?? Duration.days(365),
  });
  const schemaRegistry = new CfnRegistry(watch, 'SchemaRegistry', {
    description: `Schemas of the ${eventSource} events: download code bindings with the AWS tools`,
  });
  const eventSchema = new CfnSchema(watch, 'EventSchema', {
    registryName: schemaRegistry.attrRegistryName,
    schemaName: `${eventSource}@PaymentSessionEvent`,
    type: 'JSONSchemaDraft4',
    content: JSON.stringify(paymentSessionEventRegistrySchema()),
    description: 'Every event the watch publishes (envelope and detail), from its zod contract',
  });
  return { eventBus, archive, schemaRegistry, eventSchema };
}
