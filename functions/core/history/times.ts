/**
 * Instants as the audit listings accept them: an ISO-8601 date (`2026-11-01`, midnight UTC) or
 * date-time with its offset (`2026-11-01T09:30:00Z`, `…+02:00`), or a time relative to now
 * (`-2h`; units `s`, `m`, `h`, `d`). A date-time without an offset is refused: whose local
 * time it means is a guess.
 */
const ISO_INSTANT =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
const DURATION = /^(\d{1,7})(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** What an instant looks like, for error messages. */
export const INSTANT_RULE =
  'must be an ISO-8601 date or date-time with offset (2026-11-01, 2026-11-01T09:30:00Z) or a time relative to now (-2h, -30m, -7d)';

/** Milliseconds of a duration such as `30m`, `2h`, `7d`; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** The instant `text` names (see the module comment); undefined when it names none. */
export function parseInstant(text: string, now: Date): Date | undefined {
  if (text.startsWith('-')) {
    const ms = parseDuration(text.slice(1));
    return ms === undefined ? undefined : new Date(now.getTime() - ms);
  }
  if (!ISO_INSTANT.test(text)) return undefined;
  const instant = new Date(text);
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}
