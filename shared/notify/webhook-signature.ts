import { createHmac } from 'node:crypto';

/**
 * The `Billing-Signature` header, built like Stripe's: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">`, one `v1` per active secret (two during a rotation's overlap).
 */
export function signatureHeader(body: string, secrets: readonly string[], timestamp: number): string {
  const signed = `${timestamp}.${body}`;
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${createHmac('sha256', secret).update(signed).digest('hex')}`)].join(',');
}

export const signatureHeaderName = 'Billing-Signature';
