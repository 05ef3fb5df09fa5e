/**
 * The webhook, Lambda-free: one request in, one answer and one log record out. The checks
 * run in this order, so a caller without a valid signature learns nothing about how bodies
 * are validated, and no check costs more than the ones before it have earned:
 *
 * 1. method (405)           nothing to read for anything but POST
 * 2. size (413)             before any HMAC is spent on the bytes
 * 3. base64 encoding (400)  the gateway's transport, not the sender's content
 * 4. signature (401)        one answer for every signature failure
 * 5. content type (415)
 * 6. JSON (400)
 * 7. body schema (400)
 * 8. receipt (replay: the first answer; same id + other body: 422; in progress: 409)
 * 9. effect: track the order, check it at once within a budget (202)
 *
 * Nothing is written before step 8, so a refused request leaves the table untouched.
 */
import { createHash } from 'node:crypto';
import { type HttpAnswer, jsonAnswer, problemAnswer } from '../http-answers';
import { describeError } from '../observability';
import type { ClientLogger } from '../oneentry/http';
import type { ReceiptClaim, ReceiptStore, StoredAnswer } from '../receipts';
import type { SessionStore } from '../store';
import type { Tracker } from '../tracker';
import { assertJsonContentType, parseWebhookBody } from './body';
import { checkWithinBudget, DEFAULT_CHECK_BUDGET_MS, type SessionStatus } from './check';
import {
  DeliveryInProgressError,
  MethodNotAllowedError,
  WebhookIdReusedError,
  WebhookRequestError,
  WebhookSignatureError,
} from './errors';
import { normalizeHeaders } from './headers';
import { internalErrorAnswer } from './problems';
import { readRawBody } from './raw-body';
import { SignatureVerifier } from './verify';

/** The request as the handler (or the local runtime) hands it over. */
export interface WebhookRequest {
  method: string;
  headers: Record<string, string | undefined> | undefined;
  body?: string | undefined;
  isBase64Encoded?: boolean | undefined;
  /** Time the invocation has left, in ms; bounds how long a claim on the id is held. */
  remainingTimeMs?: number | undefined;
}

export interface IntakeDependencies {
  store: Pick<SessionStore, 'trackOrder'>;
  tracker: Pick<Tracker, 'checkOrder'>;
  receipts: Pick<ReceiptStore, 'claim' | 'complete' | 'release'>;
  /** The active secrets; more than one during a rotation. Cache them: called per request. */
  secrets: () => Promise<readonly string[]>;
  /** Clock, for tests. Default `new Date()`. */
  now?: () => Date;
  /** Budget of the immediate check, in ms. Default 3000. */
  checkBudgetMs?: number;
  /** Longest a claim on a webhook id is held without an invocation to finish it. Default 30 s. */
  maxLeaseMs?: number;
  /** Where an abandoned immediate check reports its late failure. Default: nowhere. */
  logger?: ClientLogger;
}

/** The answer to a delivery that was handled: `202`. */
export interface AcceptedBody {
  orderId: number;
  /** False when the check found every session resolved: nothing left to watch. */
  tracking: boolean;
  checked: boolean;
  sessions: SessionStatus[];
}

export type IntakeOutcome = WebhookRequestError['outcome'] | 'accepted' | 'replayed' | 'failed';

/** The fields of the one log line per request. Never a body, signature or secret. */
export interface IntakeLog {
  outcome: IntakeOutcome;
  statusCode: number;
  webhookId?: string;
  orderId?: number;
  reason?: string;
  checked?: boolean;
  checkOutcome?: string;
  transitions?: number;
  errorType?: string;
  error?: string;
}

export interface IntakeResult {
  answer: HttpAnswer;
  log: IntakeLog;
}

const DEFAULT_MAX_LEASE_MS = 30_000;
/** Replays carry this header (as Stripe's `Idempotent-Replayed`); the body is the first one. */
export const REPLAYED_HEADER = 'idempotent-replayed';

export class WebhookIntake {
  private readonly now: () => Date;
  private readonly checkBudgetMs: number;
  private readonly maxLeaseMs: number;

  constructor(private readonly deps: IntakeDependencies) {
    this.now = deps.now ?? (() => new Date());
    this.checkBudgetMs = deps.checkBudgetMs ?? DEFAULT_CHECK_BUDGET_MS;
    this.maxLeaseMs = deps.maxLeaseMs ?? DEFAULT_MAX_LEASE_MS;
  }

  async handle(request: WebhookRequest): Promise<IntakeResult> {
    const log: Omit<IntakeLog, 'outcome' | 'statusCode'> = {};
    try {
      return await this.process(request, log);
    } catch (error) {
      if (error instanceof WebhookRequestError) {
        const answer = problemAnswer(error.problem, error.headers);
        if (error instanceof WebhookSignatureError) log.reason = error.reason;
        return { answer, log: { ...log, outcome: error.outcome, statusCode: answer.statusCode } };
      }
      const answer = internalErrorAnswer();
      return {
        answer,
        log: { ...log, outcome: 'failed', statusCode: answer.statusCode, ...describeError(error) },
      };
    }
  }

  private async process(
    request: WebhookRequest,
    log: Omit<IntakeLog, 'outcome' | 'statusCode'>,
  ): Promise<IntakeResult> {
    if (request.method !== 'POST') throw new MethodNotAllowedError();
    const raw = readRawBody(request.body, request.isBase64Encoded === true);
    const headers = normalizeHeaders(request.headers);
    const verifier = new SignatureVerifier(await this.deps.secrets());
    const { webhookId } = verifier.verify(raw, headers);
    log.webhookId = webhookId;
    assertJsonContentType(headers.get('content-type'));
    const body = parseWebhookBody(raw);
    log.orderId = body.orderId;

    const now = this.now();
    const bodyHash = createHash('sha256').update(raw).digest('hex');
    const result = await this.deps.receipts.claim({
      webhookId,
      bodyHash,
      orderId: body.orderId,
      event: body.event,
      now,
      leaseMs: this.leaseMs(request.remainingTimeMs),
    });
    if (!result.claimed) {
      const { receipt } = result;
      if (receipt.bodyHash !== bodyHash) throw new WebhookIdReusedError();
      if (receipt.state !== 'completed' || !receipt.answer) {
        const seconds = Math.ceil((receipt.leaseUntil - now.getTime()) / 1000);
        // Capped: the first delivery normally finishes within the check budget.
        throw new DeliveryInProgressError(Math.min(Math.max(seconds, 1), 5));
      }
      const answer = replayOf(receipt.answer);
      return { answer, log: { ...log, outcome: 'replayed', statusCode: answer.statusCode } };
    }
    return this.accept(result.claim, body.orderId, now, log);
  }

  /** The effect, under the claim: released on any failure, so the sender's retry runs again. */
  private async accept(
    claim: ReceiptClaim,
    orderId: number,
    now: Date,
    log: Omit<IntakeLog, 'outcome' | 'statusCode'>,
  ): Promise<IntakeResult> {
    try {
      const { order } = await this.deps.store.trackOrder(orderId, now);
      const check = await checkWithinBudget(
        this.deps.tracker,
        order,
        this.checkBudgetMs,
        this.deps.logger,
      );
      const body: AcceptedBody = {
        orderId,
        tracking: check.tracking,
        checked: check.checked,
        sessions: check.sessions,
      };
      const answer = jsonAnswer(202, body);
      const stored: StoredAnswer = { statusCode: answer.statusCode, body: answer.body };
      const completed = await this.deps.receipts.complete(claim, stored, this.now());
      return {
        answer,
        log: {
          ...log,
          outcome: 'accepted',
          statusCode: answer.statusCode,
          checked: check.checked,
          checkOutcome: check.outcome,
          transitions: check.transitions,
          ...(check.error === undefined ? {} : describeError(check.error)),
          ...(completed ? {} : { reason: 'claim-lost' }),
        },
      };
    } catch (error) {
      await this.deps.receipts.release(claim).catch(() => {
        // The lease lapses on its own; the original error is the one worth reporting.
      });
      throw error;
    }
  }

  private leaseMs(remainingTimeMs: number | undefined): number {
    return remainingTimeMs !== undefined && remainingTimeMs > 0
      ? Math.min(remainingTimeMs, this.maxLeaseMs)
      : this.maxLeaseMs;
  }
}

function replayOf(stored: StoredAnswer): HttpAnswer {
  const answer = jsonAnswer(stored.statusCode, null, { [REPLAYED_HEADER]: 'true' });
  return { ...answer, body: stored.body };
}
