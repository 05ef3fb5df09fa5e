import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import {
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import {
  DUE_INDEX,
  DUE_INDEX_PARTITION_KEY,
  DUE_INDEX_PROJECTED_ATTRIBUTES,
  DUE_INDEX_SORT_KEY,
  HISTORY_INDEX,
  HISTORY_INDEX_PARTITION_KEY,
  HISTORY_INDEX_SORT_KEY,
  ORDER_INDEX,
  ORDER_INDEX_PARTITION_KEY,
  ORDER_INDEX_SORT_KEY,
  PARTITION_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
} from '../../functions/core/table';
import { InvalidWatchPropsError } from './props';

/** Properties of a {@link SessionTable}. */
export interface SessionTableProps {
  /**
   * Customer-managed KMS key to encrypt the table (and its stream) with.
   * @default - the AWS-managed key `aws/dynamodb`
   */
  readonly encryptionKey?: IKey;

  /**
   * What happens to the table when it leaves the stack. Anything but `RETAIN` also turns
   * deletion protection off (a test or sandbox stack).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The state-and-history table, built from the definition in `functions/core/table.ts` (the one
 * the local runtime and the tests use), hardened for production: on-demand, point-in-time
 * recovery, deletion protection, retained on stack deletion, encrypted with KMS.
 *
 * A `TableV2` (`AWS::DynamoDB::GlobalTable`), so replicas in other regions are one
 * `addReplica()` away. CloudFormation refuses to change a deployed `AWS::DynamoDB::Table`
 * into one, so a deployment made before keeps its table through the construct's `table` prop
 * (README: "Upgrading from an AWS::DynamoDB::Table").
 */
export class SessionTable extends TableV2 {
  constructor(scope: Construct, id: string, props: SessionTableProps = {}) {
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (props.encryptionKey && Token.isUnresolved(Stack.of(scope).region)) {
      // TableV2 names the key per replica region, which a region-agnostic stack cannot know.
      throw new InvalidWatchPropsError(
        'tableEncryptionKey needs a stack with an explicit region (env: { region }): the key is set per replica region',
      );
    }
    super(scope, id, {
      partitionKey: { name: PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      // The stream is the outbox: the publisher turns new history items into events.
      dynamoStream: StreamViewType.NEW_IMAGE,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The table holds the payment history: by default it outlives the stack and any mistake.
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
      encryption: props.encryptionKey
        ? TableEncryptionV2.customerManagedKey(props.encryptionKey)
        : TableEncryptionV2.awsManagedKey(),
      globalSecondaryIndexes: [
        {
          indexName: DUE_INDEX,
          partitionKey: { name: DUE_INDEX_PARTITION_KEY, type: AttributeType.STRING },
          sortKey: { name: DUE_INDEX_SORT_KEY, type: AttributeType.STRING },
          projectionType: ProjectionType.INCLUDE,
          nonKeyAttributes: [...DUE_INDEX_PROJECTED_ATTRIBUTES],
        },
        {
          indexName: HISTORY_INDEX,
          partitionKey: { name: HISTORY_INDEX_PARTITION_KEY, type: AttributeType.STRING },
          sortKey: { name: HISTORY_INDEX_SORT_KEY, type: AttributeType.STRING },
          projectionType: ProjectionType.ALL,
        },
        {
          indexName: ORDER_INDEX,
          partitionKey: { name: ORDER_INDEX_PARTITION_KEY, type: AttributeType.STRING },
          sortKey: { name: ORDER_INDEX_SORT_KEY, type: AttributeType.STRING },
          projectionType: ProjectionType.ALL,
        },
      ],
    });
  }
}
