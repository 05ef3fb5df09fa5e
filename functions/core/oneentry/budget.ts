/**
 * The deployment's budget of requests to OneEntry (`ONEENTRY_MAX_RPS`), shared by every
 * process (each poller shard, the webhook's immediate checks, discovery) through one item of
 * the table, and the shared cool-down a 429 starts.
 *
 * The item holds one instant, `nextAt`: when the deployment's next request may be sent
 * (virtual scheduling, as in GCRA). A process claims permits for the callers it has waiting
 * (at most a quarter of a second's worth) with one conditional write that moves `nextAt` on by
 * one interval (`1 / maxRps` s) per permit; its permits are the instants it moved past, and
 * each caller waits for its own. So any two requests of the deployment are an interval apart
 * on average, claims may run ahead of the clock by {@link AHEAD_MS} at most, and a claim's
 * latency costs no capacity. The price is one write per claim: about four a second per busy
 * process at most, whatever the cap.
 *
 * A 429 moves `nextAt` to the end of its `Retry-After` (never earlier): every claim after it,
 * from any process, gets permits after that. Permits a process already holds are at most
 * {@link AHEAD_MS} ahead, so every part of the deployment stops within that. Sign-in and
 * refresh calls are not metered (a few a day).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { budgetKey, ENTITY, ENTITY_ATTRIBUTE } from '../table';
import { sleep } from './http';

/** What the client asks of a budget before each request, and tells it after a 429. */
export interface RequestBudget {
  /** Resolves when one request may be sent; rejects when `signal` aborts first. */
  take(signal?: AbortSignal): Promise<void>;
  /** OneEntry answered 429: nobody sends before `ms` from now. */
  coolDown(ms: number): Promise<void>;
}

/** How far ahead of the clock permits may be claimed. */
export const AHEAD_MS = 500;
/** Most permits one claim takes, in seconds of the cap. */
const CLAIM_SECONDS = 0.25;
/** Conditional-write rounds one claim tries before its callers look at the clock again. */
const CLAIM_ROUNDS = 4;
const NEXT_AT = 'nextAt';

export interface SharedRequestBudgetOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Requests per second for the whole deployment; positive. */
  maxRps: number;
}

export class SharedRequestBudget implements RequestBudget {
  /** Ms between two requests of the deployment. */
  readonly intervalMs: number;
  private readonly maxClaim: number;
  /** Instants of the permits this process holds, earliest first. */
  private permits: number[] = [];
  /** The item's `nextAt` as last seen. */
  private seenNextAt: number | undefined;
  private coolUntil = 0;
  private waiting = 0;
  private claiming: Promise<void> | undefined;

  constructor(private readonly options: SharedRequestBudgetOptions) {
    if (!(options.maxRps > 0)) {
      throw new RangeError(`maxRps must be positive, got ${options.maxRps}`);
    }
    this.intervalMs = 1000 / options.maxRps;
    this.maxClaim = Math.max(1, Math.floor(options.maxRps * CLAIM_SECONDS));
  }

  async take(signal?: AbortSignal): Promise<void> {
    this.waiting++;
    try {
      for (;;) {
        if (signal?.aborted) await sleep(0, signal);
        const permit = this.permits.shift();
        if (permit !== undefined) {
          const wait = permit - Date.now();
          if (wait > 0) await sleep(wait, signal);
          return;
        }
        this.claiming ??= this.claim().finally(() => {
          this.claiming = undefined;
        });
        await this.claiming;
      }
    } finally {
      this.waiting--;
    }
  }

  async coolDown(ms: number): Promise<void> {
    const until = Date.now() + ms;
    this.coolUntil = Math.max(this.coolUntil, until);
    // Permits before the end of the cool-down are given up: nobody sends in it.
    this.permits = this.permits.filter((permit) => permit >= this.coolUntil);
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: budgetKey(),
          ConditionExpression: 'attribute_not_exists(#next) OR #next < :until',
          UpdateExpression: 'SET #next = :until, #entity = :entity',
          ExpressionAttributeNames: { '#next': NEXT_AT, '#entity': ENTITY_ATTRIBUTE },
          ExpressionAttributeValues: { ':until': until, ':entity': ENTITY.budget },
        }),
      );
      this.seenNextAt = until;
    } catch (error) {
      // The schedule is already past the cool-down: it covers ours.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Claims permits for the callers waiting now, or waits until the schedule has room. */
  private async claim(): Promise<void> {
    const want = Math.min(Math.max(1, this.waiting - this.permits.length), this.maxClaim);
    const span = want * this.intervalMs;
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      const now = Date.now();
      const from = Math.max(now, this.coolUntil);
      const seen = this.seenNextAt;
      if (seen !== undefined && seen + span > now + AHEAD_MS) {
        // The schedule is full that far ahead: wait until a claim fits.
        await sleep(seen + span - now - AHEAD_MS);
        continue;
      }
      // Idle schedule (behind the clock): start from now; busy: extend it.
      const idle = seen === undefined || seen <= from;
      try {
        const result = await this.options.client.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: budgetKey(),
            ConditionExpression: idle
              ? 'attribute_not_exists(#next) OR #next <= :from'
              : '#next > :from AND #next <= :latest',
            UpdateExpression: idle
              ? 'SET #next = :end, #entity = :entity'
              : 'SET #next = #next + :span',
            ExpressionAttributeNames: {
              '#next': NEXT_AT,
              ...(idle ? { '#entity': ENTITY_ATTRIBUTE } : {}),
            },
            ExpressionAttributeValues: idle
              ? { ':from': from, ':end': from + span, ':entity': ENTITY.budget }
              : { ':from': from, ':latest': now + AHEAD_MS - span, ':span': span },
            ReturnValues: 'UPDATED_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        const end = Number(result.Attributes?.[NEXT_AT]);
        this.seenNextAt = end;
        for (let permit = 0; permit < want; permit++) {
          this.permits.push(end - span + permit * this.intervalMs);
        }
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const item = error.Item ? unmarshall(error.Item) : undefined;
        this.seenNextAt = typeof item?.[NEXT_AT] === 'number' ? item[NEXT_AT] : undefined;
      }
    }
  }
}
