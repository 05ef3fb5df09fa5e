import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsClientConfig } from './aws-clients';

export interface DynamoClientOptions {
  /** Endpoint override (DynamoDB Local). Default: the regional AWS endpoint. */
  endpoint?: string | undefined;
  /** Default: the SDK's region chain (`AWS_REGION` in Lambda); `local` with an endpoint. */
  region?: string | undefined;
}

/**
 * A document client. With an endpoint (DynamoDB Local) it uses fixed dummy credentials, so the
 * local runtime and tests never look for, or leak, real AWS credentials.
 */
export function createDocumentClient(options: DynamoClientOptions = {}): DynamoDBDocumentClient {
  const local = options.endpoint !== undefined;
  const client = new DynamoDBClient({
    ...awsClientConfig(),
    ...(local
      ? {
          endpoint: options.endpoint,
          region: options.region ?? 'local',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : options.region
        ? { region: options.region }
        : {}),
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}
