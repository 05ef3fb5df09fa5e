/** Deliveries signed the way a Standard Webhooks sender signs them, with the real library. */
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A fresh secret in the usual `whsec_` + base64 form. */
export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

export const newWebhookId = (): string => `msg_${randomUUID()}`;

export interface SignOptions {
  id?: string;
  at?: Date;
  contentType?: string | null;
}

/** The headers a sender sends with `body`: id, timestamp, signature and content type. */
export function signedHeaders(
  secret: string,
  body: string | Buffer,
  { id = newWebhookId(), at = new Date(), contentType = 'application/json' }: SignOptions = {},
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
    ...(contentType === null ? {} : { 'content-type': contentType }),
  };
}
