/**
 * The exact bytes the sender signed. API Gateway hands the body over either as text or, for
 * some content types, base64-encoded; the signature is over the bytes, so decode first.
 */
import { BodyEncodingError, PayloadTooLargeError } from './errors';

/** 64 KiB: a webhook here names an order, so anything larger is not one of ours. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Canonical base64 only: Node's decoder skips bad characters, which would hide garbage. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The raw body, refused as too large before any other work (HMAC included) is spent on it.
 * Throws `PayloadTooLargeError` or `BodyEncodingError`.
 */
export function readRawBody(
  body: string | undefined,
  isBase64Encoded: boolean,
  maxBytes: number = MAX_BODY_BYTES,
): Buffer {
  if (body === undefined || body === '') return Buffer.alloc(0);
  if (!isBase64Encoded) {
    // Every UTF-16 unit is at least one UTF-8 byte: a long string is too large unmeasured.
    if (body.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
    const bytes = Buffer.from(body, 'utf8');
    if (bytes.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
    return bytes;
  }
  // Four characters per three bytes; the padding allowance keeps the bound exact.
  if (body.length > Math.ceil(maxBytes / 3) * 4) throw new PayloadTooLargeError(maxBytes);
  if (!BASE64.test(body)) throw new BodyEncodingError();
  const bytes = Buffer.from(body, 'base64');
  if (bytes.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
  return bytes;
}
