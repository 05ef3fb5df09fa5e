/**
 * Webhook receipts: one item per `webhook-id`, so a delivery handled once gets the same answer
 * again and causes no second effect. The design follows Powertools' idempotency utility:
 *
 * 1. `claim` puts an `in-progress` receipt under a condition, so of two identical deliveries
 *    arriving together exactly one wins. The claim carries a lease (`leaseUntil`) bounded by
 *    the invocation's time left: a claim whose invocation died lapses and can be taken over.
 * 2. `complete` stores the answer (status and body) on the receipt the claim owns.
 * 3. `release` deletes the claim when handling failed, so the sender's retry runs again.
 *
 * Receipts are kept for `retentionSeconds` (default 72 h, the longest retry schedule of the
 * common senders: Stripe retries for 3 days, Svix for about 28 h) and then removed by
 * DynamoDB's TTL. A receipt past its TTL counts as absent even before TTL has deleted it.
 * Receipts hold no signature, secret or body: a SHA-256 of the body (to spot an id reused
 * for another body), the order id, the optional event name and the answer.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  ENTITY,
  ENTITY_ATTRIBUTE,
  PARTITION_KEY,
  receiptKey,
  SORT_KEY,
  TTL_ATTRIBUTE,
} from './table';

export const DEFAULT_RECEIPT_RETENTION_SECONDS = 72 * 60 * 60;

export type ReceiptState = 'in-progress' | 'completed';

/** The answer given the first time, given again to every replay. */
export interface StoredAnswer {
  statusCode: number;
  body: string;
}

export interface Receipt {
  webhookId: string;
  state: ReceiptState;
  /** SHA-256 (hex) of the raw body. */
  bodyHash: string;
  orderId: number;
  event?: string;
  receivedAt: string;
  /** Epoch ms until which an `in-progress` claim is held. */
  leaseUntil: number;
  /** Epoch seconds; TTL. */
  expiresAt: number;
  answer?: StoredAnswer;
  completedAt?: string;
}

export interface ClaimRequest {
  webhookId: string;
  bodyHash: string;
  orderId: number;
  event?: string | undefined;
  now: Date;
  /** How long the claim is held if never completed or released. */
  leaseMs: number;
}

/** Proof of a claim: only its holder can complete or release it. */
export interface ReceiptClaim {
  webhookId: string;
  token: string;
}

export type ClaimResult =
  | { claimed: true; claim: ReceiptClaim }
  | { claimed: false; receipt: Receipt };

/** The receipt kept changing under `claim` (released and re-claimed over and over). */
export class ReceiptContentionError extends Error {
  override readonly name = 'ReceiptContentionError';
  constructor(readonly webhookId: string) {
    super('webhook receipt kept changing while it was being claimed');
  }
}

export interface ReceiptStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  retentionSeconds?: number;
}

const CLAIM_ROUNDS = 3;

export class ReceiptStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retentionSeconds: number;

  constructor(options: ReceiptStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.retentionSeconds = options.retentionSeconds ?? DEFAULT_RECEIPT_RETENTION_SECONDS;
  }

  /**
   * Claims the id, or returns the live receipt that holds it (completed, or in progress
   * under a lease that has not lapsed).
   */
  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const nowMs = request.now.getTime();
    const token = randomUUID();
    const receipt: Receipt & { claimToken: string } = {
      webhookId: request.webhookId,
      state: 'in-progress',
      bodyHash: request.bodyHash,
      orderId: request.orderId,
      ...(request.event === undefined ? {} : { event: request.event }),
      receivedAt: request.now.toISOString(),
      leaseUntil: nowMs + request.leaseMs,
      expiresAt: Math.floor(nowMs / 1000) + this.retentionSeconds,
      claimToken: token,
    };
    for (let round = 1; round <= CLAIM_ROUNDS; round++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...receiptKey(request.webhookId),
              [ENTITY_ATTRIBUTE]: ENTITY.receipt,
              ...receipt,
            },
            ConditionExpression:
              'attribute_not_exists(#pk) OR #ttl < :nowSeconds OR (#state = :inProgress AND #leaseUntil < :nowMs)',
            ExpressionAttributeNames: {
              '#pk': PARTITION_KEY,
              '#ttl': TTL_ATTRIBUTE,
              '#state': 'state',
              '#leaseUntil': 'leaseUntil',
            },
            ExpressionAttributeValues: {
              ':nowSeconds': Math.floor(nowMs / 1000),
              ':inProgress': 'in-progress',
              ':nowMs': nowMs,
            },
          }),
        );
        return { claimed: true, claim: { webhookId: request.webhookId, token } };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const existing = await this.get(request.webhookId);
      if (existing && isLive(existing, nowMs)) return { claimed: false, receipt: existing };
      // Released or lapsed between our put and our read: try to claim it again.
    }
    throw new ReceiptContentionError(request.webhookId);
  }

  /**
   * Stores the answer on the claimed receipt. False when the claim was lost meanwhile (its
   * lease lapsed and another invocation took the id over): that one's answer stands.
   */
  async complete(claim: ReceiptClaim, answer: StoredAnswer, now: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: receiptKey(claim.webhookId),
          ConditionExpression: '#token = :token AND #state = :inProgress',
          UpdateExpression: 'SET #state = :completed, answer = :answer, completedAt = :at',
          ExpressionAttributeNames: { '#token': 'claimToken', '#state': 'state' },
          ExpressionAttributeValues: {
            ':token': claim.token,
            ':inProgress': 'in-progress',
            ':completed': 'completed',
            ':answer': answer,
            ':at': now.toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Gives the id back after a failure, so a retry is handled afresh. A lost claim is left be. */
  async release(claim: ReceiptClaim): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: receiptKey(claim.webhookId),
          ConditionExpression: '#token = :token AND #state = :inProgress',
          ExpressionAttributeNames: { '#token': 'claimToken', '#state': 'state' },
          ExpressionAttributeValues: { ':token': claim.token, ':inProgress': 'in-progress' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async get(webhookId: string): Promise<Receipt | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: receiptKey(webhookId),
        ConsistentRead: true,
      }),
    );
    if (!result.Item) return undefined;
    const { claimToken: _token, ...item } = result.Item;
    for (const key of [PARTITION_KEY, SORT_KEY, ENTITY_ATTRIBUTE]) delete item[key];
    return item as Receipt;
  }
}

/** The negation of the claim condition: a receipt that still holds its id. */
function isLive(receipt: Receipt, nowMs: number): boolean {
  if (receipt.expiresAt < Math.floor(nowMs / 1000)) return false;
  return receipt.state === 'completed' || receipt.leaseUntil >= nowMs;
}
