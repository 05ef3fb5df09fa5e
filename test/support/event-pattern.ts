/**
 * A minimal EventBridge pattern matcher, enough to prove the documented patterns match what
 * the publisher emits: arrays of exact values, nested objects, and the `prefix`,
 * `anything-but` and `exists` filters. (Numeric and wildcard filters are not needed here.)
 */
export type EventPattern = { readonly [key: string]: readonly unknown[] | EventPattern };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function matchesFilter(filter: unknown, value: unknown, present: boolean): boolean {
  if (!isObject(filter)) return present && filter === value;
  if ('exists' in filter) return filter.exists === present;
  if (!present) return false;
  if ('prefix' in filter)
    return typeof value === 'string' && value.startsWith(String(filter.prefix));
  if ('anything-but' in filter) {
    const excluded = filter['anything-but'];
    return Array.isArray(excluded) ? !excluded.includes(value) : excluded !== value;
  }
  throw new Error(`unsupported filter ${JSON.stringify(filter)}`);
}

/** Does `event` match `pattern`? An array in the event matches when any element does. */
export function matchesPattern(pattern: EventPattern, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const present = key in event && event[key] !== undefined;
    const actual = event[key];
    if (!Array.isArray(expected))
      return isObject(actual) && matchesPattern(expected as EventPattern, actual);
    const candidates = Array.isArray(actual) ? actual : [actual];
    return expected.some((filter) =>
      isObject(filter) && 'exists' in filter
        ? matchesFilter(filter, actual, present)
        : candidates.some((candidate) => matchesFilter(filter, candidate, present)),
    );
  });
}
