/**
 * Opaque listing cursors: base64url JSON holding where the next page starts (a sort-key
 * bound), the time range the first page resolved (so `-2h` means the same on every page) and a
 * fingerprint of the listing's other parameters, so a cursor only continues the listing that
 * made it.
 */
import { createHash } from 'node:crypto';

/** The cursor was not made by this listing, or was altered. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('is not a cursor of this listing: pass nextCursor from the previous page unchanged');
  }
}

export interface CursorState {
  /** Sort-key bound the next page starts strictly past. */
  position: string;
  /** The listing's resolved time range (ISO-8601). */
  from: string;
  to: string;
}

const KEY_BOUND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z(?:#[0-9A-Za-z~]{1,20}){0,4}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const fingerprint = (listing: string) =>
  createHash('sha256').update(listing).digest('base64url').slice(0, 16);

/** `listing` names the listing and its parameters other than the time range. */
export function encodeCursor(listing: string, state: CursorState): string {
  const body = { q: fingerprint(listing), p: state.position, f: state.from, t: state.to };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** Throws `InvalidCursorError` unless `text` is a cursor `encodeCursor(listing, …)` made. */
export function decodeCursor(listing: string, text: string): CursorState {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  const { q, p, f, t } = (body ?? {}) as Record<string, unknown>;
  if (
    q !== fingerprint(listing) ||
    typeof p !== 'string' ||
    !KEY_BOUND.test(p) ||
    typeof f !== 'string' ||
    !INSTANT.test(f) ||
    typeof t !== 'string' ||
    !INSTANT.test(t)
  ) {
    throw new InvalidCursorError();
  }
  return { position: p, from: f, to: t };
}
