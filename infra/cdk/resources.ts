/**
 * Small hardened building blocks of the construct and the cdk-nag acknowledgements that go with
 * them, each with its reason at the narrowest scope.
 */
import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Secret, type SecretProps } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** Dead letters are kept as long as SQS allows, to leave time to investigate and re-drive. */
const DEAD_LETTER_RETENTION = Duration.days(14);

/** A secret no Lambda can rotate: the values come from OneEntry and from the shop. */
export function unrotatedSecret(scope: Construct, id: string, props: SecretProps): Secret {
  const secret = new Secret(scope, id, props);
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      "Not rotatable by a Lambda: OneEntry issues the credentials (token rotation happens in the table's shared credential state) and the webhook secret is shared with the shop backend, rotated there by listing old and new secrets.",
  });
  return secret;
}

/** An encrypted, TLS-only queue for messages some AWS service gave up delivering. */
export function deadLetterQueue(scope: Construct, id: string, owner: string): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: DEAD_LETTER_RETENTION,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is itself a dead-letter queue (of ${owner}, not via an SQS redrive policy, which the rule looks for).`,
  });
  return queue;
}

/** The CloudFormation logical id of an L2 construct's resource, as cdk-nag names it. */
export function logicalIdOf(construct: Construct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

/**
 * A resource as cdk-nag names it in a finding id: literal text kept, `Ref`s as `<Name>` and
 * `Fn::GetAtt`s as `<Id.Attribute>`, so an acknowledgement can name a resource that is a token.
 */
export function nagResourceName(scope: Construct, value: string): string {
  const resolved: unknown = Stack.of(scope).resolve(value);
  const parts = isJoin(resolved) ? resolved['Fn::Join'][1] : [resolved];
  return parts.map(nagPart).join('');
}

type Join = { 'Fn::Join': [string, unknown[]] };
const isJoin = (value: unknown): value is Join =>
  typeof value === 'object' && value !== null && 'Fn::Join' in value;

function nagPart(part: unknown): string {
  if (typeof part === 'string') return part;
  if (typeof part === 'object' && part !== null) {
    if ('Ref' in part) return `<${part.Ref}>`;
    if ('Fn::GetAtt' in part && Array.isArray(part['Fn::GetAtt'])) {
      return `<${part['Fn::GetAtt'].join('.')}>`;
    }
  }
  throw new Error(`cannot name ${JSON.stringify(part)} as cdk-nag does`);
}

export function acknowledgeOnPolicy(fn: IFunction, id: string, reasons: string[]): void {
  const policy = fn.role?.node.tryFindChild('DefaultPolicy');
  if (!policy) throw new Error(`${fn.node.path} has no default policy to acknowledge ${id} on`);
  Validations.of(policy).acknowledge({ id, reason: reasons.join(' ') });
}

export function acknowledgeInvokeVersions(role: Role, fn: IFunction): void {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!policy) throw new Error(`${role.node.path} has no default policy`);
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(fn)}.Arn>:*]`,
    reason:
      "The function's versions and aliases, as granted by Function.grantInvoke (used by the Scheduler target): the schedule invokes the unqualified function only.",
  });
}
