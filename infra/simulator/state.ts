/**
 * The simulator's in-memory world: orders, their payment sessions, tokens, faults and the
 * counters tests assert on. No HTTP in here.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  InvalidSimulatorInputError,
  OrderExistsError,
  SessionExistsError,
  UnknownOrderError,
  UnknownSessionError,
} from './errors';
import { FaultBook } from './faults';
import { type RefreshRefusal, TokenBook, type TokenLifetimes } from './tokens';

export type ResponseShape = 'array' | 'object';

/** A session as the simulator serves it: every `ISessionEntity` field and then some. */
export interface SimSession {
  id: number;
  createdDate: string;
  updatedDate: string;
  type: string;
  status: string;
  paymentAccountId: number;
  orderId: number;
  amount: number | null;
  paymentUrl: string | null;
  /** A payment-provider secret, as OneEntry sends it: clients must drop it. */
  clientSecret: string;
  /** A field clients do not know: they must ignore it. */
  locale: string;
}

/**
 * `id` and the dates are for rebuilding known sessions (e.g. after a restart); by default ids
 * count up from 1 and both dates are now. `createdDate` also backdates a session (e.g. one
 * created hours before discovery started).
 */
export type SessionInit = Partial<
  Pick<
    SimSession,
    | 'id'
    | 'status'
    | 'type'
    | 'amount'
    | 'paymentAccountId'
    | 'paymentUrl'
    | 'createdDate'
    | 'updatedDate'
  >
>;

/**
 * How the sessions list answers. OneEntry does not document the order (its example runs newest
 * first); a user group with restricted read permission sees at most `cap` records however it
 * pages, while `total` still counts them all.
 */
export interface ListSettings {
  order: 'newest-first' | 'oldest-first';
  /** OneEntry's "restrictedDataLength": records a restricted group can read. Null: no cap. */
  cap: number | null;
  /** Sessions served with a malformed item (string id) in the list. */
  invalidSessionIds: number[];
}

export interface SimulatorStats {
  /** Every request to the sessions route, answered or not. */
  sessionRequests: number;
  sessionRequestsByOrder: Record<number, number>;
  /** Every request to the sessions list. */
  listRequests: number;
  /** Every request to the refresh route, successful or not, so duplicate refreshes show. */
  refreshes: number;
  /** Refreshes refused, by reason; `spent` counts refresh tokens presented a second time. */
  refreshesRefused: Record<RefreshRefusal, number>;
  /** Every request to the sign-in route, successful or not. */
  signIns: number;
  /** Sign-ins refused for a wrong login or password. */
  signInsRefused: number;
  /** Every 401 the OneEntry routes answered. */
  unauthorized: number;
}

export const orderIdSchema = z.int().positive().max(Number.MAX_SAFE_INTEGER);
export const responseShapeSchema = z.enum(['array', 'object']);
export const statusSchema = z.string().min(1);
export const sessionInitSchema = z.strictObject({
  id: z.int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  status: statusSchema.optional(),
  type: z.string().min(1).optional(),
  amount: z.number().nonnegative().nullable().optional(),
  paymentAccountId: z.int().positive().optional(),
  paymentUrl: z.string().min(1).nullable().optional(),
  createdDate: z.iso.datetime().optional(),
  updatedDate: z.iso.datetime().optional(),
});

export const listSettingsSchema = z.strictObject({
  order: z.enum(['newest-first', 'oldest-first']).optional(),
  cap: z.int().positive().nullable().optional(),
  invalidSessionIds: z.array(z.int().positive()).optional(),
});

function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InvalidSimulatorInputError(`${what}: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

interface Order {
  responseShape: ResponseShape;
  sessionIds: number[];
}

const FIRST_AUTO_ORDER_ID = 1000;

function emptyStats(): SimulatorStats {
  return {
    sessionRequests: 0,
    sessionRequestsByOrder: {},
    listRequests: 0,
    refreshes: 0,
    refreshesRefused: { unknown: 0, spent: 0, expired: 0, 'other-device': 0 },
    signIns: 0,
    signInsRefused: 0,
    unauthorized: 0,
  };
}

export class SimulatorState {
  readonly tokens: TokenBook;
  readonly faults = new FaultBook();
  readonly #orders = new Map<number, Order>();
  readonly #sessions = new Map<number, SimSession>();
  #nextOrderId = FIRST_AUTO_ORDER_ID;
  #nextSessionId = 1;
  #stats = emptyStats();
  #list: ListSettings = { order: 'newest-first', cap: null, invalidSessionIds: [] };
  /** Session ids in ascending order, rebuilt after a session is added. */
  #sortedIds: number[] | undefined;
  /** Called after each list page is served, with the offset (tests change the list meanwhile). */
  onListPage: ((offset: number) => void) | undefined;

  constructor(lifetimes: TokenLifetimes) {
    this.tokens = new TokenBook(lifetimes);
  }

  createOrder(orderId?: number, responseShape: ResponseShape = 'array'): number {
    const shape = parseInput(responseShapeSchema, responseShape, 'responseShape');
    let id: number;
    if (orderId === undefined) {
      while (this.#orders.has(this.#nextOrderId)) this.#nextOrderId += 1;
      id = this.#nextOrderId;
      this.#nextOrderId += 1;
    } else {
      id = parseInput(orderIdSchema, orderId, 'orderId');
      if (this.#orders.has(id)) throw new OrderExistsError(id);
    }
    this.#orders.set(id, { responseShape: shape, sessionIds: [] });
    return id;
  }

  createSession(orderId: number, init: SessionInit = {}): SimSession {
    const order = this.#order(orderId);
    const fields = parseInput(sessionInitSchema, init, 'session');
    const id = fields.id ?? this.#nextSessionId;
    if (this.#sessions.has(id)) throw new SessionExistsError(id);
    this.#nextSessionId = Math.max(this.#nextSessionId, id + 1);
    const now = new Date().toISOString();
    const session: SimSession = {
      id,
      createdDate: fields.createdDate ?? now,
      updatedDate: fields.updatedDate ?? fields.createdDate ?? now,
      type: fields.type ?? 'session',
      status: fields.status ?? 'waiting',
      paymentAccountId: fields.paymentAccountId ?? 1,
      orderId,
      amount: fields.amount ?? null,
      paymentUrl: fields.paymentUrl ?? null,
      clientSecret: `pi_sim${id}_secret_${randomBytes(12).toString('hex')}`,
      locale: 'en_US',
    };
    this.#sessions.set(id, session);
    this.#sortedIds = undefined;
    order.sessionIds.push(id);
    return { ...session };
  }

  setListSettings(settings: Partial<ListSettings>): void {
    const checked = parseInput(listSettingsSchema, settings, 'list settings');
    this.#list = { ...this.#list, ...checked } as ListSettings;
  }

  /** One page of `GET /payments/sessions`: what OneEntry would answer for `offset` and `limit`. */
  listSessions(offset: number, limit: number): { items: unknown[]; total: number } {
    this.#sortedIds ??= [...this.#sessions.keys()].sort((a, b) => a - b);
    const ids = this.#sortedIds;
    const total = ids.length;
    const visible = Math.min(total, this.#list.cap ?? total);
    const end = Math.min(visible, offset + limit);
    const items: unknown[] = [];
    for (let index = offset; index < end; index++) {
      const id = this.#list.order === 'newest-first' ? ids[total - 1 - index] : ids[index];
      const session = id === undefined ? undefined : this.#sessions.get(id);
      if (!session) continue;
      items.push(
        this.#list.invalidSessionIds.includes(session.id)
          ? { ...session, id: String(session.id) }
          : { ...session },
      );
    }
    return { items, total };
  }

  recordListRequest(): void {
    this.#stats.listRequests += 1;
  }

  setStatus(sessionId: number, status: string): SimSession {
    const session = this.#sessions.get(sessionId);
    if (!session) throw new UnknownSessionError(sessionId);
    session.status = parseInput(statusSchema, status, 'status');
    // Strictly later than before, so a client comparing updatedDate sees every change even
    // when two happen within the same millisecond.
    const previous = Date.parse(session.updatedDate);
    session.updatedDate = new Date(Math.max(Date.now(), previous + 1)).toISOString();
    return { ...session };
  }

  setResponseShape(orderId: number, shape: ResponseShape): void {
    this.#order(orderId).responseShape = parseInput(responseShapeSchema, shape, 'responseShape');
  }

  /** The order's sessions, oldest first, and how it answers; undefined for an unknown order. */
  sessionsOf(
    orderId: number,
  ): { responseShape: ResponseShape; sessions: SimSession[] } | undefined {
    const order = this.#orders.get(orderId);
    if (!order) return undefined;
    const sessions = order.sessionIds.flatMap((id) => {
      const session = this.#sessions.get(id);
      return session ? [{ ...session }] : [];
    });
    return { responseShape: order.responseShape, sessions };
  }

  recordSessionRequest(orderId: number | undefined): void {
    this.#stats.sessionRequests += 1;
    if (orderId !== undefined) {
      const byOrder = this.#stats.sessionRequestsByOrder;
      byOrder[orderId] = (byOrder[orderId] ?? 0) + 1;
    }
  }

  recordRefresh(refusal?: RefreshRefusal): void {
    this.#stats.refreshes += 1;
    if (refusal) this.#stats.refreshesRefused[refusal] += 1;
  }

  recordSignIn(refused: boolean): void {
    this.#stats.signIns += 1;
    if (refused) this.#stats.signInsRefused += 1;
  }

  recordUnauthorized(): void {
    this.#stats.unauthorized += 1;
  }

  stats(): SimulatorStats {
    return {
      ...this.#stats,
      sessionRequestsByOrder: { ...this.#stats.sessionRequestsByOrder },
      refreshesRefused: { ...this.#stats.refreshesRefused },
    };
  }

  resetStats(): void {
    this.#stats = emptyStats();
  }

  #order(orderId: number): Order {
    const order = this.#orders.get(orderId);
    if (!order) throw new UnknownOrderError(orderId);
    return order;
  }
}
