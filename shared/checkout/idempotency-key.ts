import { createHash, randomUUID } from 'node:crypto';
import { badRequest } from '../errors.js';

const clientKeyPattern = /^[\x21-\x7e]{1,255}$/;

/**
 * The Stripe idempotency key of a create call. With the caller's `Idempotency-Key` header it is
 * derived from that key and the API key that sent it (two clients never share a key space), so a
 * retried request returns the same Stripe object; Stripe rejects the same key with other
 * parameters (→ 409). Without the header every request is new.
 */
export function stripeIdempotencyKey(operation: string, apiKeyId: string, clientKey: string | undefined): string {
  if (clientKey === undefined) return `${operation}:${randomUUID()}`;
  if (!clientKeyPattern.test(clientKey)) throw badRequest('invalid_idempotency_key', 'the Idempotency-Key header must be 1-255 printable ASCII characters without spaces', { param: 'Idempotency-Key' });
  const digest = createHash('sha256').update(`${apiKeyId}\n${clientKey}`).digest('base64url');
  return `${operation}:${digest}`;
}
