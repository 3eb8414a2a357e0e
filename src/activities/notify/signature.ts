import { createHmac } from 'node:crypto';

/**
 * The `X-Insight-Signature` of a delivery: an HMAC-SHA256, keyed with the webhook's secret, of
 * `<timestamp>.<body>`. Signing the timestamp with the body lets a receiver refuse replays of old deliveries.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
