import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entrySize, PUT_EVENTS_MAX_BYTES, planBatches } from '../../functions/core/events/size';

const sized = (...sizes: number[]) => sizes.map((size, id) => ({ id, size }));
const plan = (items: { id: number; size: number }[], maxBytes = 100, maxEntries = 10) =>
  planBatches(items, (item) => item.size, { maxBytes, maxEntries }).map((batch) =>
    batch.map((item) => item.id),
  );

describe('entrySize', () => {
  it('counts UTF-8 bytes of source, detail type, detail and resources, plus 14 for a time', () => {
    const entry = {
      Source: 'src',
      DetailType: 'type',
      Detail: '{"a":"é"}',
      Resources: ['r1', 'r2'],
    };
    expect(entrySize(entry)).toBe(3 + 4 + 10 + 4);
    expect(entrySize({ ...entry, Time: new Date() })).toBe(3 + 4 + 10 + 4 + 14);
  });

  it('does not count the bus name, as EventBridge does not', () => {
    expect(
      entrySize({ Source: 's', DetailType: 't', Detail: '{}', EventBusName: 'a-long-bus-name' }),
    ).toBe(4);
  });
});

describe('planBatches', () => {
  it('puts 10 entries in one request and the 11th in the next', () => {
    expect(plan(sized(...Array(10).fill(1))).map((batch) => batch.length)).toEqual([10]);
    expect(plan(sized(...Array(11).fill(1))).map((batch) => batch.length)).toEqual([10, 1]);
  });

  it('fills a request up to exactly the byte limit, and starts another one byte over it', () => {
    expect(plan(sized(40, 60, 1))).toEqual([[0, 1], [2]]);
    expect(plan(sized(40, 61))).toEqual([[0], [1]]);
  });

  it('refuses an item that cannot fit in any request', () => {
    expect(() => plan(sized(101))).toThrow(RangeError);
  });

  it('keeps order and never exceeds either limit (any sizes)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: PUT_EVENTS_MAX_BYTES }), { maxLength: 60 }),
        (sizes) => {
          const items = sized(...sizes);
          const batches = planBatches(items, (item) => item.size);
          expect(batches.flat()).toEqual(items);
          for (const batch of batches) {
            expect(batch.length).toBeGreaterThan(0);
            expect(batch.length).toBeLessThanOrEqual(10);
            expect(batch.reduce((sum, item) => sum + item.size, 0)).toBeLessThanOrEqual(
              PUT_EVENTS_MAX_BYTES,
            );
          }
          // Greedy and minimal: each batch but the last was closed because the next item did not fit.
          batches.slice(0, -1).forEach((batch, index) => {
            const next = batches[index + 1]?.[0];
            const bytes = batch.reduce((sum, item) => sum + item.size, 0);
            expect(batch.length === 10 || bytes + (next?.size ?? 0) > PUT_EVENTS_MAX_BYTES).toBe(
              true,
            );
          });
        },
      ),
    );
  });
});
