import { z } from 'zod';
import type { PaymentSession } from '../model';

/**
 * One session as OneEntry sends it. Unknown fields (and `clientSecret`, a payment provider's
 * secret) are stripped by zod's default object parsing, so they never leave this module.
 */
export const sessionSchema = z.object({
  id: z.number().int(),
  orderId: z.number().int(),
  status: z.string().min(1),
  type: z.string(),
  paymentAccountId: z.number().int(),
  paymentUrl: z.string().nullable().optional().default(null),
  amount: z.number().nullable().optional().default(null),
  createdDate: z.string(),
  updatedDate: z.string(),
});

/** The endpoint answers either one session or an array of them. */
export const sessionsResponseSchema = z
  .union([z.array(sessionSchema), sessionSchema])
  .transform((value): PaymentSession[] => (Array.isArray(value) ? value : [value]));

/** The sessions list: `{items, total}`; items are parsed one by one so one bad item is skipped. */
export const sessionListSchema = z.object({
  items: z.array(z.unknown()),
  total: z.number().int().nonnegative(),
});

/** The refresh endpoint's answer; other fields (user data) are ignored. */
export const refreshResponseSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
});

/** OneEntry's error body: `{statusCode, message, pageData, timestamp}`. */
export const errorBodySchema = z.object({ message: z.union([z.string(), z.array(z.string())]) });

/** The `message` of OneEntry's error body, shortened; undefined when the body has none. */
export function upstreamMessage(text: string): string | undefined {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    if (!parsed.success) return undefined;
    const message = parsed.data.message;
    return (Array.isArray(message) ? message.join(', ') : message).slice(0, 200);
  } catch {
    return undefined;
  }
}
