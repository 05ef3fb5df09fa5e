/**
 * Standard Webhooks signatures (`webhook-id`, `webhook-timestamp`, `webhook-signature`:
 * HMAC-SHA256 over `id.timestamp.body`), checked with the `standardwebhooks` library against
 * every active secret, so a secret can be rotated without downtime. The library also refuses
 * timestamps more than 5 minutes off, which bounds how long a captured delivery can be replayed.
 */
import { Webhook } from 'standardwebhooks';
import { InvalidWebhookSecretError, WebhookSignatureError } from './errors';
import type { HeaderMap } from './headers';

export interface VerifiedDelivery {
  webhookId: string;
  /** The signed send time. */
  timestamp: Date;
}

/**
 * The id becomes a table key and a log field: printable ASCII without spaces, bounded. Ids
 * of real senders (`msg_…`, UUIDs) fit easily.
 */
const WEBHOOK_ID = /^[!-~]{1,256}$/;
/** Epoch seconds, digits only: the library's `parseInt` would accept `123abc`. */
const TIMESTAMP = /^\d{1,12}$/;

export class SignatureVerifier {
  private readonly webhooks: Webhook[];

  /** Throws `InvalidWebhookSecretError` for a secret that is not `whsec_` + base64. */
  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new RangeError('at least one webhook secret is needed');
    this.webhooks = secrets.map((secret, index) => {
      try {
        return new Webhook(secret);
      } catch {
        throw new InvalidWebhookSecretError(index);
      }
    });
  }

  /** Throws `WebhookSignatureError` (with a reason for the log) unless a secret signed `body`. */
  verify(body: Buffer, headers: HeaderMap): VerifiedDelivery {
    const webhookId = headers.get('webhook-id');
    const timestamp = headers.get('webhook-timestamp');
    const signature = headers.get('webhook-signature');
    if (!webhookId || !timestamp || !signature) {
      throw new WebhookSignatureError('missing-headers');
    }
    if (!WEBHOOK_ID.test(webhookId) || !TIMESTAMP.test(timestamp)) {
      throw new WebhookSignatureError('malformed-headers');
    }
    const signed = {
      'webhook-id': webhookId,
      'webhook-timestamp': timestamp,
      'webhook-signature': signature,
    };
    let reason: WebhookSignatureError['reason'] = 'no-matching-signature';
    for (const webhook of this.webhooks) {
      try {
        // jsonParse off: a signed body that is not JSON is a 400, not a signature failure.
        webhook.verify(body, signed, { jsonParse: false });
        return { webhookId, timestamp: new Date(Number(timestamp) * 1000) };
      } catch (error) {
        // The library says which check failed only in its message; used for the log alone.
        if (error instanceof Error && /timestamp/i.test(error.message)) {
          reason = 'timestamp-out-of-tolerance';
        }
      }
    }
    throw new WebhookSignatureError(reason);
  }
}
