import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Sends a Standard Webhooks-signed delivery, as a shop backend would. */
export async function sendSignedWebhook(options: {
  url: string;
  secret: string;
  orderId: number;
  event?: string | undefined;
}): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({
    orderId: options.orderId,
    ...(options.event ? { event: options.event } : {}),
  });
  const id = `msg_${randomUUID()}`;
  const timestamp = new Date();
  const response = await fetch(`${options.url}/webhooks/payment-sessions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': new Webhook(options.secret).sign(id, timestamp, body),
    },
    body,
  });
  return { status: response.status, body: await response.text() };
}
