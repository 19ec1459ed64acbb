import { createHmac } from 'node:crypto';

/**
 * Stripe's webhook signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.payload">`,
 * the same bytes `stripe.webhooks.generateTestHeaderString` produces.
 */
export function signPayload(payload: string, secret: string, timestamp: number): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}
