/**
 * Demo data: three orders with one waiting session each. One session completes, one is
 * cancelled later, one stays waiting, so a poller shows every outcome in under a minute.
 */
import type { Simulator } from './simulator';

export interface DemoOptions {
  /** When the first session completes and the second is cancelled. Default 20 s and 30 s. */
  resolveAfterMs?: { completed: number; cancelled: number };
  /** When a fourth order's session appears, which no webhook announces. Default 15 s. */
  unannouncedAfterMs?: number;
  /** Scales every default time above (0.2: five times faster). Default 1. */
  pace?: number;
}

export interface DemoSeed {
  /** The order that completes, the one cancelled, the one left waiting. */
  orderIds: [number, number, number];
  /** An order whose session appears later and that no webhook announces: discovery finds it. */
  unannouncedOrderId: number;
  /** Cancels the status changes still to come. */
  stop(): void;
}

export function seedDemo(
  sim: Pick<Simulator, 'createOrder' | 'createSession' | 'setStatus'>,
  options: DemoOptions = {},
): DemoSeed {
  const pace = options.pace ?? 1;
  const { completed, cancelled } = options.resolveAfterMs ?? {
    completed: 20_000 * pace,
    cancelled: 30_000 * pace,
  };
  const demoSessions = [
    { amount: 49.9, paymentAccountId: 1 },
    { amount: 120, paymentAccountId: 1 },
    { amount: 15.5, paymentAccountId: 2 },
  ].map((init) => {
    const orderId = sim.createOrder();
    const session = sim.createSession(orderId, {
      ...init,
      paymentUrl: `https://checkout.example.test/pay/order-${orderId}`,
    });
    return { orderId, sessionId: session.id };
  });
  const [toComplete, toCancel, toLeave] = demoSessions as [
    (typeof demoSessions)[number],
    (typeof demoSessions)[number],
    (typeof demoSessions)[number],
  ];

  const unannouncedOrderId = sim.createOrder();
  const unannounced = () =>
    sim.createSession(unannouncedOrderId, {
      amount: 75,
      paymentAccountId: 1,
      paymentUrl: `https://checkout.example.test/pay/order-${unannouncedOrderId}`,
    });

  // Unref'd: a forgotten demo never keeps the process alive.
  const timers = [
    setTimeout(() => sim.setStatus(toComplete.sessionId, 'completed'), completed),
    setTimeout(() => sim.setStatus(toCancel.sessionId, 'cancelled'), cancelled),
    setTimeout(unannounced, options.unannouncedAfterMs ?? 15_000 * pace),
  ];
  for (const timer of timers) timer.unref();

  return {
    orderIds: [toComplete.orderId, toCancel.orderId, toLeave.orderId],
    unannouncedOrderId,
    stop: () => {
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
