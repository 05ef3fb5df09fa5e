import type { PaymentSession } from '../../functions/core/model';

let nextSessionId = 1;

/** A session as the OneEntry client returns it (already without `clientSecret`). */
export function session(overrides: Partial<PaymentSession> & { orderId: number }): PaymentSession {
  const now = new Date().toISOString();
  return {
    id: overrides.id ?? nextSessionId++,
    status: 'waiting',
    type: 'session',
    paymentAccountId: 1,
    paymentUrl: null,
    amount: 42.5,
    createdDate: now,
    updatedDate: now,
    ...overrides,
  };
}
