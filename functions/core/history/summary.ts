/**
 * The period summary: how the payments that ended in a period ended, and how long they took.
 * Counts every session of the orders that resolved or expired in the period by its final
 * status (`expired` for an order given up on), with the time to resolve (first seen to final
 * status; for an expired order, tracking start to expiry) at p50, p95 and max.
 */
import type { AuditQueries } from './audit';
import type { OrderView } from './view';

export interface StatusSummary {
  status: string;
  count: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface PeriodSummary {
  from: string;
  to: string;
  orders: number;
  statuses: StatusSummary[];
  /** Time to resolve of every counted session, for a histogram. */
  durationsMs: number[];
}

/** The status an expired order's sessions are counted under. */
export const EXPIRED = 'expired';

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function durationsOf(order: OrderView): [string, number][] {
  if (order.state === 'expired') {
    const end = Date.parse(order.lastChangedAt ?? order.trackedSince);
    return [[EXPIRED, end - Date.parse(order.trackedSince)]];
  }
  return order.sessions
    .filter((session) => session.resolved)
    .map((session) => [
      session.status,
      Date.parse(session.lastChangedAt) - Date.parse(session.firstSeenAt),
    ]);
}

/** Reads the period's resolved and expired orders page by page and summarises them. */
export async function summarisePeriod(
  audit: Pick<AuditQueries, 'orders'>,
  from: Date,
  to: Date,
): Promise<PeriodSummary> {
  const byStatus = new Map<string, number[]>();
  let orders = 0;
  for (const state of ['resolved', 'expired'] as const) {
    let cursor: string | undefined;
    do {
      const page = await audit.orders({
        state,
        changedAfter: from,
        changedBefore: to,
        limit: 1000,
        cursor,
      });
      for (const order of page.items) {
        orders++;
        for (const [status, ms] of durationsOf(order)) {
          const list = byStatus.get(status) ?? [];
          list.push(ms);
          byStatus.set(status, list);
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  const statuses = [...byStatus]
    .map(([status, values]): StatusSummary => {
      const sorted = [...values].sort((a, b) => a - b);
      return {
        status,
        count: sorted.length,
        p50Ms: percentile(sorted, 50),
        p95Ms: percentile(sorted, 95),
        maxMs: sorted.at(-1) ?? 0,
      };
    })
    .sort((a, b) => b.count - a.count || a.status.localeCompare(b.status));
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    orders,
    statuses,
    durationsMs: [...byStatus.values()].flat(),
  };
}
