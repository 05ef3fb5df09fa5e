/**
 * The control API under `/_control/`: the programmatic API as JSON over HTTP, for processes
 * that cannot hold a `Simulator` object (the local runtime, a benchmark, a shell).
 * Every call needs the app token, like the API it controls.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import {
  InvalidSimulatorInputError,
  OrderExistsError,
  SessionExistsError,
  UnknownOrderError,
  UnknownSessionError,
} from './errors';
import { type FaultScope, faultSchema } from './faults';
import {
  headerValue,
  InvalidBodyError,
  readJsonBody,
  sendError,
  sendJson,
  sendNoContent,
} from './respond';
import {
  listSettingsSchema,
  orderIdSchema,
  responseShapeSchema,
  type SimulatorState,
  sessionInitSchema,
  statusSchema,
} from './state';

export const CONTROL_PREFIX = '/_control/';

export interface ControlContext {
  state: SimulatorState;
  appToken: string;
}

interface ControlRequest {
  params: string[];
  body: () => Promise<unknown>;
}

interface ControlRoute {
  method: string;
  path: RegExp;
  handle: (request: ControlRequest, state: SimulatorState) => Promise<ControlAnswer>;
}

type ControlAnswer = { status: number; body?: unknown };

/** A request the control API refuses; carries the status to answer. */
class ControlRequestError extends Error {
  override readonly name = 'ControlRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    throw new ControlRequestError(400, `Invalid body: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

function idParam(value: string | undefined, what: string): number {
  const id = orderIdSchema.safeParse(/^\d+$/.test(value ?? '') ? Number(value) : NaN);
  if (!id.success) throw new ControlRequestError(400, `${what} must be a positive integer`);
  return id.data;
}

function scopeParam(value: string | undefined): FaultScope {
  if (value === 'global' || value === 'list') return value;
  return idParam(value, "fault scope ('global', 'list' or an order id)");
}

const createOrderBody = z.strictObject({
  orderId: orderIdSchema.optional(),
  responseShape: responseShapeSchema.optional(),
});
const statusBody = z.strictObject({ status: statusSchema });
const responseShapeBody = z.strictObject({ responseShape: responseShapeSchema });
const tokensBodySchema = z.strictObject({ fingerprint: z.string().min(1).optional() });
const userBodySchema = z.strictObject({ login: z.string().min(1), password: z.string().min(1) });

const routes: ControlRoute[] = [
  {
    method: 'POST',
    path: /^orders$/,
    handle: async ({ body }, state) => {
      const { orderId, responseShape } = parseBody(createOrderBody, await body());
      return { status: 201, body: { orderId: state.createOrder(orderId, responseShape) } };
    },
  },
  {
    method: 'PUT',
    path: /^orders\/([^/]+)\/response-shape$/,
    handle: async ({ params, body }, state) => {
      const { responseShape } = parseBody(responseShapeBody, await body());
      state.setResponseShape(idParam(params[0], 'order id'), responseShape);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: /^orders\/([^/]+)\/sessions$/,
    handle: async ({ params, body }, state) => {
      const orderId = idParam(params[0], 'order id');
      const init = parseBody(sessionInitSchema, await body());
      return { status: 201, body: state.createSession(orderId, init) };
    },
  },
  {
    method: 'POST',
    path: /^sessions\/([^/]+)\/status$/,
    handle: async ({ params, body }, state) => {
      const { status } = parseBody(statusBody, await body());
      return { status: 200, body: state.setStatus(idParam(params[0], 'session id'), status) };
    },
  },
  {
    method: 'PUT',
    path: /^faults\/([^/]+)$/,
    handle: async ({ params, body }, state) => {
      const scope = scopeParam(params[0]);
      state.faults.set(scope, parseBody(faultSchema, await body()));
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    path: /^faults\/([^/]+)$/,
    handle: async ({ params }, state) => {
      state.faults.set(scopeParam(params[0]), null);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    path: /^faults$/,
    handle: async (_request, state) => {
      state.faults.clear();
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: /^tokens$/,
    handle: async ({ body }, state) => {
      const { fingerprint } = parseBody(tokensBodySchema, await body());
      return { status: 201, body: state.tokens.issue(fingerprint) };
    },
  },
  {
    method: 'PUT',
    path: /^list-settings$/,
    handle: async ({ body }, state) => {
      state.setListSettings(parseBody(listSettingsSchema, await body()));
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: /^users$/,
    handle: async ({ body }, state) => {
      const { login, password } = parseBody(userBodySchema, await body());
      state.tokens.addUser(login, password);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: /^expire-refresh-tokens$/,
    handle: async (_request, state) => {
      state.tokens.expireRefreshTokens();
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: /^expire-tokens$/,
    handle: async (_request, state) => {
      state.tokens.expireAccessTokens();
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    path: /^stats$/,
    handle: async (_request, state) => ({ status: 200, body: state.stats() }),
  },
  {
    method: 'DELETE',
    path: /^stats$/,
    handle: async (_request, state) => {
      state.resetStats();
      return { status: 204 };
    },
  },
];

function statusOf(error: unknown): number | undefined {
  if (error instanceof ControlRequestError) return error.status;
  if (error instanceof InvalidBodyError || error instanceof InvalidSimulatorInputError) return 400;
  if (error instanceof UnknownOrderError || error instanceof UnknownSessionError) return 404;
  if (error instanceof OrderExistsError || error instanceof SessionExistsError) return 409;
  return undefined;
}

/** Answers a request whose path starts with CONTROL_PREFIX. */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  { state, appToken }: ControlContext,
): Promise<void> {
  if (headerValue(req, 'x-app-token') !== appToken) {
    return sendError(res, 401, 'Invalid or missing x-app-token');
  }
  const rest = path.slice(CONTROL_PREFIX.length).replace(/\/$/, '');
  for (const route of routes) {
    const match = route.path.exec(rest);
    if (!match || route.method !== req.method) continue;
    try {
      const answer = await route.handle(
        { params: match.slice(1), body: () => readJsonBody(req) },
        state,
      );
      if (answer.body === undefined) sendNoContent(res);
      else sendJson(res, answer.status, answer.body);
    } catch (error) {
      const status = statusOf(error);
      if (status === undefined) throw error;
      sendError(res, status, (error as Error).message);
    }
    return;
  }
  sendError(res, 404, `Cannot ${req.method} ${path}`);
}
