/**
 * What a webhook body must be: UTF-8 JSON, `{"orderId": <positive integer>, "event"?: <short
 * string>}`, unknown fields ignored. Refusals name the invalid fields and never echo a value.
 */
import { z } from 'zod';
import type { FieldProblem } from '../http-answers';
import { InvalidBodyError, InvalidJsonError, UnsupportedMediaTypeError } from './errors';

export const MAX_EVENT_LENGTH = 100;

const ORDER_ID_RULE = 'must be a positive integer (a JSON number)';
const EVENT_RULE = `must be a string of 1 to ${MAX_EVENT_LENGTH} characters without control characters`;

export const webhookBodySchema = z.object({
  orderId: z.number().int().positive(),
  event: z
    .string()
    .min(1)
    .max(MAX_EVENT_LENGTH)
    .regex(/^\P{Cc}*$/u)
    .optional(),
});

export type WebhookBody = z.output<typeof webhookBodySchema>;

/** `application/json` or a `+json` type; a charset, if named, must be UTF-8. */
export function assertJsonContentType(contentType: string | undefined): void {
  const [mediaType = '', ...parameters] = (contentType ?? '').split(';');
  const type = mediaType.trim().toLowerCase();
  const isJson = type === 'application/json' || /^application\/[!#$&^_.+\w-]+\+json$/.test(type);
  const charset = parameters
    .map((parameter) => parameter.trim().toLowerCase())
    .find((parameter) => parameter.startsWith('charset='));
  const utf8 = charset === undefined || /^charset="?utf-8"?$/.test(charset);
  if (!isJson || !utf8) throw new UnsupportedMediaTypeError();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Throws `InvalidJsonError` or `InvalidBodyError`. */
export function parseWebhookBody(raw: Buffer): WebhookBody {
  let json: unknown;
  try {
    // Never surface the parser's message: it quotes the body.
    json = JSON.parse(utf8.decode(raw));
  } catch {
    throw new InvalidJsonError();
  }
  const parsed = webhookBodySchema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new InvalidBodyError(fieldProblems(parsed.error.issues));
}

/** One problem per field, with our own wording: zod's messages are fine, but ours are stable. */
function fieldProblems(issues: readonly z.core.$ZodIssue[]): FieldProblem[] {
  const problems = new Map<string, FieldProblem>();
  for (const issue of issues) {
    const field = issue.path[0];
    if (field === 'orderId')
      problems.set('orderId', { pointer: '#/orderId', detail: ORDER_ID_RULE });
    else if (field === 'event') problems.set('event', { pointer: '#/event', detail: EVENT_RULE });
    else problems.set('', { pointer: '#', detail: 'must be a JSON object' });
  }
  return [...problems.values()];
}
