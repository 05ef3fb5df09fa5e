/**
 * Header lookup by lower-cased name. API Gateway v2 lower-cases names already; other
 * adapters (the local runtime, tests) may not, and HTTP names are case-insensitive anyway.
 */

export type HeaderMap = ReadonlyMap<string, string>;

/**
 * Names differing only in case are joined with `, `, as HTTP joins repeated headers (and as
 * API Gateway does): a value that was sent twice never passes for a single one.
 */
export function normalizeHeaders(
  headers: Record<string, string | undefined> | undefined,
): HeaderMap {
  const normalized = new Map<string, string>();
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value !== 'string') continue;
    const key = name.toLowerCase();
    const previous = normalized.get(key);
    normalized.set(key, previous === undefined ? value : `${previous}, ${value}`);
  }
  return normalized;
}
