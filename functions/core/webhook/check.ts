/**
 * The immediate check a webhook triggers: one look at OneEntry within a short budget, so a
 * payment that already resolved is recorded within seconds rather than at the next poll.
 * It never fails the webhook: the order is tracked already and the poller checks it later.
 */
import type { OrderState } from '../model';
import { describeError } from '../observability';
import { type ClientLogger, silentLogger } from '../oneentry/http';
import { type CheckOutcome, type CheckResult, deadlineIn, type Tracker } from '../tracker';

export const DEFAULT_CHECK_BUDGET_MS = 3000;

export interface SessionStatus {
  sessionId: number;
  status: string;
}

export interface ImmediateCheck {
  checked: boolean;
  /** Whether the order is tracked after the check: false when all its sessions had resolved. */
  tracking: boolean;
  sessions: SessionStatus[];
  /** The tracker's outcome, or why there was none. */
  outcome: CheckOutcome | 'timeout' | 'error';
  transitions: number;
  /** The failure, for the log (class and message only). */
  error?: unknown;
}

/**
 * The budget ran out. The signal cancels the check's upstream call and table writes; a write
 * already on its way may still land, harmlessly: observations are ordered, so a late answer
 * is never recorded over a newer one.
 */
export class CheckBudgetExceededError extends Error {
  override readonly name = 'CheckBudgetExceededError';
  constructor(readonly budgetMs: number) {
    super(`the check took longer than ${budgetMs} ms`);
  }
}

export async function checkWithinBudget(
  tracker: Pick<Tracker, 'checkOrder'>,
  order: OrderState,
  budgetMs: number,
  logger: ClientLogger = silentLogger,
): Promise<ImmediateCheck> {
  const deadline = deadlineIn(budgetMs);
  const { signal } = deadline;
  const known = sessionsOf(order);
  const work = tracker.checkOrder(order, deadline);
  // What the abandoned check does after the budget is logged, never an unhandled rejection.
  work.catch((error: unknown) => {
    if (signal.aborted) {
      logger.warn('Abandoned webhook check failed', {
        orderId: order.orderId,
        ...describeError(error),
      });
    }
  });
  try {
    // The signal reaches the upstream call and the table calls; the race bounds the rest.
    const result = await withinSignal(work, signal, budgetMs);
    if (result.outcome === 'failed') {
      return {
        checked: false,
        tracking: true,
        sessions: sorted(result.sessions),
        outcome: 'failed',
        transitions: 0,
        error: result.error,
      };
    }
    return {
      checked: true,
      tracking: result.tracking,
      sessions: sorted(result.sessions),
      outcome: result.outcome,
      transitions: result.transitions.length,
    };
  } catch (error) {
    const outcome = error instanceof CheckBudgetExceededError ? 'timeout' : 'error';
    return { checked: false, tracking: true, sessions: known, outcome, transitions: 0, error };
  }
}

function withinSignal(
  work: Promise<CheckResult>,
  signal: AbortSignal,
  budgetMs: number,
): Promise<CheckResult> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new CheckBudgetExceededError(budgetMs));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function sessionsOf(order: OrderState): SessionStatus[] {
  return sorted(
    Object.entries(order.sessions ?? {}).map(([sessionId, snapshot]) => ({
      sessionId: Number(sessionId),
      status: snapshot.status,
    })),
  );
}

function sorted(sessions: readonly SessionStatus[]): SessionStatus[] {
  return [...sessions]
    .map(({ sessionId, status }) => ({ sessionId, status }))
    .sort((a, b) => a.sessionId - b.sessionId);
}
