/**
 * The immediate check a webhook triggers: one look at OneEntry within a short budget, so a
 * payment that already resolved is recorded within seconds rather than at the next poll.
 * It never fails the webhook: the order is tracked already and the poller checks it later.
 */
import type { OrderState } from '../model';
import type { CheckOutcome, CheckResult, Tracker } from '../tracker';

export const DEFAULT_CHECK_BUDGET_MS = 3000;

export interface SessionStatus {
  sessionId: number;
  status: string;
}

export interface ImmediateCheck {
  checked: boolean;
  sessions: SessionStatus[];
  /** The tracker's outcome, or why there was none. */
  outcome: CheckOutcome | 'timeout' | 'error';
  transitions: number;
  /** The failure, for the log (class and message only). */
  error?: unknown;
}

/** The budget ran out; the check may still finish in the background, harmlessly. */
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
): Promise<ImmediateCheck> {
  const signal = AbortSignal.timeout(budgetMs);
  const known = sessionsOf(order);
  try {
    // The signal stops the upstream call; the race also bounds the table writes after it.
    const result = await withinSignal(tracker.checkOrder(order, { signal }), signal, budgetMs);
    if (result.outcome === 'failed') {
      return {
        checked: false,
        sessions: sorted(result.sessions),
        outcome: 'failed',
        transitions: 0,
        error: result.error,
      };
    }
    return {
      checked: true,
      sessions: sorted(result.sessions),
      outcome: result.outcome,
      transitions: result.transitions.length,
    };
  } catch (error) {
    const outcome = error instanceof CheckBudgetExceededError ? 'timeout' : 'error';
    return { checked: false, sessions: known, outcome, transitions: 0, error };
  }
}

function withinSignal(
  work: Promise<CheckResult>,
  signal: AbortSignal,
  budgetMs: number,
): Promise<CheckResult> {
  // Whatever the abandoned check does later, it must not become an unhandled rejection.
  work.catch(() => {});
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
