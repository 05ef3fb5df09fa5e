import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { awsClientConfig } from '../aws-clients';

export interface EventBridgeClientOptions {
  /** Endpoint override (a local stand-in). Default: the regional AWS endpoint. */
  endpoint?: string | undefined;
  /** Default: the SDK's region chain (`AWS_REGION` in Lambda); `local` with an endpoint. */
  region?: string | undefined;
}

/**
 * An EventBridge client. With an endpoint it uses fixed dummy credentials, like
 * `createDocumentClient`, so local runs and tests never look for real AWS credentials.
 */
export function createEventBridgeClient(options: EventBridgeClientOptions = {}): EventBridgeClient {
  if (options.endpoint !== undefined) {
    return new EventBridgeClient({
      ...awsClientConfig(),
      endpoint: options.endpoint,
      region: options.region ?? 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }
  return new EventBridgeClient({
    ...awsClientConfig(),
    ...(options.region ? { region: options.region } : {}),
  });
}
