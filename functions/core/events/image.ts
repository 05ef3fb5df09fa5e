/**
 * Decodes a DynamoDB stream image (the `AttributeValue` shape Lambda delivers) into a plain
 * object. Local instead of `@aws-sdk/util-dynamodb` so the publisher's only runtime
 * dependencies are zod and the EventBridge client; the history item is validated by the
 * contract right after, so a decoding slip cannot go unnoticed.
 */
import type { AttributeValue } from 'aws-lambda';

export type StreamImage = Record<string, AttributeValue>;

export function decodeAttribute(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(decodeAttribute);
  if (value.M !== undefined) return decodeImage(value.M);
  if (value.SS !== undefined) return [...value.SS];
  if (value.NS !== undefined) return value.NS.map(Number);
  if (value.BS !== undefined) return [...value.BS];
  // Binary stays base64, as Lambda delivers it: history items carry none.
  if (value.B !== undefined) return value.B;
  throw new TypeError(`unknown DynamoDB attribute value: ${JSON.stringify(value)}`);
}

export function decodeImage(image: StreamImage): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(image)) item[name] = decodeAttribute(value);
  return item;
}
