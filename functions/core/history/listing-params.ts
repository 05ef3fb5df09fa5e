/**
 * The query parameters of the audit API (`GET /orders`, `GET /transitions`, `DELETE
 * /orders/{orderId}`), checked all at once: every bad parameter is named with what it must
 * be, and no value is echoed back.
 */
import type { ParameterProblem } from '../http-answers';
import type { HistoryKind, TrackingState } from '../model';
import type { UntrackRequest } from '../store';
import { isUntrackReason, UNTRACK_REASON_RULE } from '../untrack';
import {
  LISTING_LIMIT,
  type OrdersQuery,
  type StuckQuery,
  TRACKING_STATES,
  type TransitionsQuery,
} from './audit';
import { INSTANT_RULE, parseInstant } from './times';

/** One or more query parameters are invalid; `errors` names each. */
export class InvalidParametersError extends Error {
  override readonly name = 'InvalidParametersError';
  constructor(readonly errors: ParameterProblem[]) {
    super(`invalid parameters: ${errors.map((error) => error.parameter).join(', ')}`);
  }
}

export type OrdersRequest =
  | { listing: 'orders'; query: OrdersQuery }
  | { listing: 'stuck'; query: StuckQuery };

export const HISTORY_KINDS: readonly HistoryKind[] = [
  'observed',
  'changed',
  'resolved',
  'expired',
  'untracked',
];
const LIST_MAX = 20;
const STATUS_MAX_LENGTH = 64;
const LIMIT = /^[1-9][0-9]{0,3}$/;

/** Collects problems while the parameters are read; `done` throws them all at once. */
class Parameters {
  readonly problems: ParameterProblem[] = [];
  private readonly values = new Map<string, string>();

  constructor(raw: URLSearchParams, allowed: readonly string[]) {
    for (const name of new Set(raw.keys())) {
      const all = raw.getAll(name);
      if (!allowed.includes(name)) {
        this.fail(name, `is not a parameter of this listing (use ${allowed.join(', ')})`);
      } else if (all.length > 1) {
        this.fail(name, 'must be given once (separate several values with commas)');
      } else {
        this.values.set(name, all[0] ?? '');
      }
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  text(name: string): string | undefined {
    return this.values.get(name);
  }

  instant(name: string, now: Date): Date | undefined {
    const text = this.values.get(name);
    if (text === undefined) return undefined;
    const instant = parseInstant(text, now);
    if (!instant) this.fail(name, INSTANT_RULE);
    return instant;
  }

  limit(): number | undefined {
    const text = this.values.get('limit');
    if (text === undefined) return undefined;
    const limit = Number(text);
    if (!LIMIT.test(text) || limit > LISTING_LIMIT.max) {
      this.fail('limit', `must be an integer from 1 to ${LISTING_LIMIT.max}`);
      return undefined;
    }
    return limit;
  }

  /** A comma-separated list; each item must pass `valid`. */
  list(name: string, valid: (item: string) => boolean, rule: string): string[] | undefined {
    const text = this.values.get(name);
    if (text === undefined) return undefined;
    const items = text.split(',');
    if (items.length > LIST_MAX || !items.every(valid)) {
      this.fail(name, `${rule}, at most ${LIST_MAX} separated by commas`);
      return undefined;
    }
    return items;
  }

  fail(parameter: string, detail: string): void {
    if (!this.problems.some((problem) => problem.parameter === parameter)) {
      this.problems.push({ parameter, detail });
    }
  }

  done(): void {
    if (this.problems.length > 0) throw new InvalidParametersError(this.problems);
  }
}

const ORDER_PARAMETERS = [
  'state',
  'changedAfter',
  'changedBefore',
  'trackedBefore',
  'limit',
  'cursor',
] as const;

/** `GET /orders?state=&changedAfter=&changedBefore=&trackedBefore=&limit=&cursor=`. */
export function parseOrdersParameters(raw: URLSearchParams, now: Date): OrdersRequest {
  const params = new Parameters(raw, ORDER_PARAMETERS);
  const stateText = params.text('state');
  const state = TRACKING_STATES.find((candidate) => candidate === stateText);
  if (stateText !== undefined && !state) {
    params.fail('state', `must be one of ${TRACKING_STATES.join(', ')}`);
  }
  const changedAfter = params.instant('changedAfter', now);
  const changedBefore = params.instant('changedBefore', now);
  const trackedBefore = params.instant('trackedBefore', now);
  const limit = params.limit();
  const cursor = params.text('cursor');
  if (changedAfter && changedBefore && changedAfter > changedBefore) {
    params.fail('changedAfter', 'must not be after changedBefore');
  }
  if (params.has('trackedBefore')) {
    if (stateText !== undefined && state !== 'tracking') {
      params.fail('trackedBefore', 'lists stuck orders: only with state=tracking');
    }
    if (params.has('changedAfter') || params.has('changedBefore')) {
      params.fail('trackedBefore', 'cannot be combined with changedAfter or changedBefore');
    }
  }
  params.done();
  if (trackedBefore) return { listing: 'stuck', query: { trackedBefore, limit, cursor } };
  return {
    listing: 'orders',
    query: {
      state: state as TrackingState | undefined,
      changedAfter,
      changedBefore,
      limit,
      cursor,
    },
  };
}

const TRANSITION_PARAMETERS = ['from', 'to', 'status', 'kind', 'limit', 'cursor'] as const;

/** `GET /transitions?from=&to=&status=&kind=&limit=&cursor=`. */
export function parseTransitionsParameters(raw: URLSearchParams, now: Date): TransitionsQuery {
  const params = new Parameters(raw, TRANSITION_PARAMETERS);
  if (!params.has('from')) params.fail('from', `is required: ${INSTANT_RULE}`);
  const from = params.instant('from', now);
  const to = params.instant('to', now);
  const statuses = params.list(
    'status',
    (status) => status.length > 0 && status.length <= STATUS_MAX_LENGTH,
    `must be statuses of 1 to ${STATUS_MAX_LENGTH} characters`,
  );
  const kinds = params.list(
    'kind',
    (kind) => HISTORY_KINDS.includes(kind as HistoryKind),
    `must be kinds among ${HISTORY_KINDS.join(', ')}`,
  ) as HistoryKind[] | undefined;
  const limit = params.limit();
  const cursor = params.text('cursor');
  if (from && to && from > to) params.fail('from', 'must not be after to');
  params.done();
  return { from: from as Date, to, statuses, kinds, limit, cursor };
}

/** `DELETE /orders/{orderId}?reason=`: why tracking is stopped (optional). */
export function parseUntrackParameters(raw: URLSearchParams): Pick<UntrackRequest, 'reason'> {
  const params = new Parameters(raw, ['reason']);
  const reason = params.text('reason');
  if (reason !== undefined && !isUntrackReason(reason)) params.fail('reason', UNTRACK_REASON_RULE);
  params.done();
  return reason === undefined ? {} : { reason };
}
