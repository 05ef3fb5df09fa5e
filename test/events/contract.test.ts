import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  DETAIL_TYPE,
  detailTypeFor,
  type PaymentSessionEvent,
  type PaymentSessionResolvedDetail,
  paymentSessionEventDetailSchema,
  RESOLVED_AS_COMPLETED_PATTERN,
  UNTRACK_REASON_MAX_LENGTH,
} from '../../functions/core/events/contract';
import { EventPublisher } from '../../functions/core/events/publisher';
import { toEventDetail } from '../../functions/core/events/records';
import { renderPaymentSessionEventSchema, SCHEMA_FILE } from '../../functions/core/events/schema';
import type { HistoryEntry } from '../../functions/core/model';
import { observe, orderEndEntry } from '../../functions/core/transitions';
import type { DeliveredEvent } from '../../infra/local/put-events';
import { type EventPattern, matchesPattern } from '../support/event-pattern';
import {
  type EventBridgeEndpoint,
  startEventBridgeEndpoint,
} from '../support/eventbridge-endpoint';
import { paymentSession, statuses } from '../support/payment-sessions';

const order = {
  orderId: 77,
  state: 'tracking' as const,
  trackedSince: '2025-03-01T10:00:00.000Z',
  version: 1,
  sessions: {},
};

/** History entries as the tracker's own transition logic makes them. */
function entriesFor(status: string): HistoryEntry[] {
  return observe(order, [paymentSession(77, 700, status)], '2025-03-01T10:05:00.000Z', statuses)
    .transitions;
}

describe('the event contract', () => {
  it('gives each history kind its detail type', () => {
    expect(detailTypeFor('observed')).toBe('Payment Session Status Changed');
    expect(detailTypeFor('changed')).toBe('Payment Session Status Changed');
    expect(detailTypeFor('resolved')).toBe('Payment Session Resolved');
    expect(detailTypeFor('expired')).toBe('Payment Session Tracking Expired');
    expect(detailTypeFor('untracked')).toBe('Payment Session Tracking Stopped');
  });

  it('carries why and by whom tracking was stopped, and refuses an overlong reason', () => {
    const stopped = orderEndEntry(
      { ...order, sessions: {} },
      { kind: 'untracked', pending: () => true, reason: 'typo', requestedBy: 'npm run untrack' },
      '2025-03-01T10:06:00.000Z',
    );
    expect(toEventDetail(stopped)).toMatchObject({
      kind: 'untracked',
      sessionId: null,
      pendingSessionIds: [],
      reason: 'typo',
      requestedBy: 'npm run untrack',
    });
    expect(() =>
      toEventDetail({ ...stopped, reason: 'x'.repeat(UNTRACK_REASON_MAX_LENGTH + 1) }),
    ).toThrow();
  });

  it('refuses an entry whose resolved flag contradicts its kind', () => {
    const [entry] = entriesFor('completed');
    expect(() => toEventDetail({ ...(entry as HistoryEntry), resolved: false })).toThrow();
  });

  it('keeps the committed JSON Schema in step with the zod contract', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8').catch(() => '(missing)');
    // If this fails, regenerate: tsx functions/core/events/generate-schema.ts
    expect(committed).toBe(renderPaymentSessionEventSchema());
  });

  it('documents one JSON Schema variant per detail type, open to added fields', async () => {
    const schema = JSON.parse(await readFile(SCHEMA_FILE, 'utf8')) as {
      oneOf: Record<string, unknown>[];
    };
    expect(schema.oneOf.map((variant) => variant.title)).toEqual(Object.values(DETAIL_TYPE));
    for (const variant of schema.oneOf) expect(variant.additionalProperties).toBeUndefined();
  });

  it('accepts a detail with a field added later (subscribers must tolerate additions)', () => {
    const detail = { ...toEventDetail(entriesFor('waiting')[0] as HistoryEntry), addedLater: true };
    expect(paymentSessionEventDetailSchema.safeParse(detail).success).toBe(true);
  });

  it('types the envelope by detail type for subscribers', () => {
    expectTypeOf<
      PaymentSessionEvent<'Payment Session Resolved'>['detail']
    >().toEqualTypeOf<PaymentSessionResolvedDetail>();
    expectTypeOf<PaymentSessionResolvedDetail['status']>().toEqualTypeOf<string>();
  });
});

describe('the documented event pattern', () => {
  let endpoint: EventBridgeEndpoint;
  let completed: DeliveredEvent;
  let cancelled: DeliveredEvent;
  let waiting: DeliveredEvent;

  beforeAll(async () => {
    endpoint = await startEventBridgeEndpoint();
    const publisher = new EventPublisher({ client: endpoint.client() });
    const details = ['completed', 'cancelled', 'waiting'].map((status) =>
      toEventDetail(entriesFor(status)[0] as HistoryEntry),
    );
    await publisher.publish(details);
    [completed, cancelled, waiting] = endpoint.delivered as [
      DeliveredEvent,
      DeliveredEvent,
      DeliveredEvent,
    ];
  });
  afterAll(() => endpoint.close());

  /** The pattern from the README when it documents one, else the exported constant. */
  async function documentedPatterns(): Promise<EventPattern[]> {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8').catch(
      () => '',
    );
    const fromReadme = [...readme.matchAll(/\{[^{}]*"detail-type"[^{}]*\{[^{}]*\}\s*\}/g)]
      .map((match) => JSON.parse(match[0]) as EventPattern)
      .filter((pattern) => JSON.stringify(pattern).includes(DETAIL_TYPE.resolved));
    return [RESOLVED_AS_COMPLETED_PATTERN as unknown as EventPattern, ...fromReadme];
  }

  it('is the same in the README as the exported constant', async () => {
    const [constant, ...fromReadme] = await documentedPatterns();
    expect(fromReadme.length).toBeGreaterThan(0);
    for (const pattern of fromReadme) expect(pattern).toEqual(constant);
  });

  it('matches a session resolved as completed, as emitted', async () => {
    for (const pattern of await documentedPatterns()) {
      expect(matchesPattern(pattern, completed as unknown as Record<string, unknown>)).toBe(true);
    }
  });

  it('does not match a cancelled session or a pending one', async () => {
    for (const pattern of await documentedPatterns()) {
      expect(matchesPattern(pattern, cancelled as unknown as Record<string, unknown>)).toBe(false);
      expect(matchesPattern(pattern, waiting as unknown as Record<string, unknown>)).toBe(false);
    }
  });
});

describe('the pattern matcher (test helper)', () => {
  const event = { source: 'a.b', detail: { status: 'completed', amount: 5, tags: ['x', 'y'] } };

  it('matches exact values, nested objects and arrays in the event', () => {
    expect(matchesPattern({ source: ['a.b', 'c'], detail: { tags: ['y'] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { status: ['failed'] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { missing: ['completed'] } }, event)).toBe(false);
  });

  it('supports prefix, anything-but and exists', () => {
    expect(matchesPattern({ source: [{ prefix: 'a.' }] }, event)).toBe(true);
    expect(matchesPattern({ detail: { status: [{ 'anything-but': ['cancelled'] }] } }, event)).toBe(
      true,
    );
    expect(matchesPattern({ detail: { status: [{ 'anything-but': 'completed' }] } }, event)).toBe(
      false,
    );
    expect(matchesPattern({ detail: { missing: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { amount: [{ exists: true }] } }, event)).toBe(true);
  });
});
