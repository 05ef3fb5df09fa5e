/**
 * Fault injection for the sessions routes. A fault belongs to one order, to every order
 * ('global'), or to the sessions list ('list'); the order's own fault wins over the global one,
 * and only the fault that applies spends one of its `times`.
 */
import { z } from 'zod';

export interface Fault {
  /** Delay added before the answer, whatever the answer is; the sessions are read before it. */
  latencyMs?: number;
  /** Answer this status (400–599) with the OneEntry error body. */
  status?: number;
  /** Sent as the `Retry-After` header along with `status` (429, 503). */
  retryAfterSeconds?: number;
  /** Accept the request and never answer it, until the client gives up or the simulator closes. */
  hang?: boolean;
  /** Answer 200 with text that is not valid JSON. */
  malformed?: boolean;
  /** Answer 200 with valid JSON of the wrong shape: `{"foo":1}`, or sessions whose id is a string. */
  wrongShape?: 'foreign-object' | 'string-id';
  /** Apply to the next `times` requests only; without it the fault stays until cleared. */
  times?: number;
}

/** An order id, every order's sessions route, or the sessions list. */
export type FaultScope = number | 'global' | 'list';

function answerEffects(fault: Fault): string[] {
  const effects: string[] = [];
  if (fault.status !== undefined) effects.push('status');
  if (fault.hang) effects.push('hang');
  if (fault.malformed) effects.push('malformed');
  if (fault.wrongShape !== undefined) effects.push('wrongShape');
  return effects;
}

export const faultSchema = z
  .strictObject({
    latencyMs: z.int().min(0).max(600_000).optional(),
    status: z.int().min(400).max(599).optional(),
    retryAfterSeconds: z.int().min(0).optional(),
    hang: z.boolean().optional(),
    malformed: z.boolean().optional(),
    wrongShape: z.enum(['foreign-object', 'string-id']).optional(),
    times: z.int().positive().optional(),
  })
  .refine((fault) => answerEffects(fault).length <= 1, {
    message: 'a fault answers one way: set at most one of status, hang, malformed, wrongShape',
  })
  .refine((fault) => fault.retryAfterSeconds === undefined || fault.status !== undefined, {
    message: 'retryAfterSeconds needs a status to go with it',
    path: ['retryAfterSeconds'],
  })
  .refine((fault) => answerEffects(fault).length > 0 || (fault.latencyMs ?? 0) > 0, {
    message: 'a fault must do something: set latencyMs, status, hang, malformed or wrongShape',
  });

interface ActiveFault {
  fault: Fault;
  remaining: number | undefined;
}

export class FaultBook {
  readonly #faults = new Map<FaultScope, ActiveFault>();

  set(scope: FaultScope, fault: Fault | null): void {
    if (fault === null) this.#faults.delete(scope);
    else this.#faults.set(scope, { fault: { ...fault }, remaining: fault.times });
  }

  clear(): void {
    this.#faults.clear();
  }

  /** The fault that applies to a request for `orderId`, spending one of its `times`. */
  take(orderId: number): Fault | undefined {
    const scope: FaultScope | undefined = this.#faults.has(orderId)
      ? orderId
      : this.#faults.has('global')
        ? 'global'
        : undefined;
    return scope === undefined ? undefined : this.#spend(scope);
  }

  /** The fault that applies to a request for the sessions list. */
  takeList(): Fault | undefined {
    return this.#faults.has('list') ? this.#spend('list') : undefined;
  }

  #spend(scope: FaultScope): Fault | undefined {
    const active = this.#faults.get(scope);
    if (!active) return undefined;
    if (active.remaining !== undefined) {
      active.remaining -= 1;
      if (active.remaining <= 0) this.#faults.delete(scope);
    }
    return active.fault;
  }
}
