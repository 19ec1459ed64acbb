import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EntitlementsUpdatedEvent } from './types.js';

export class WebhookSignatureError extends Error {
  constructor(readonly code: 'no_signature' | 'bad_signature' | 'too_old', message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

/**
 * Checks a delivery's `Billing-Signature` header (`t=…,v1=…`) against the raw body and the endpoint
 * secret(s), and that `t` is within `toleranceSeconds` of now (replay protection). Throws
 * {@link WebhookSignatureError}; returns the parsed event. Pass the body exactly as received.
 */
export function verifyWebhook(body: string | Uint8Array, header: string | null | undefined, secrets: string | readonly string[], toleranceSeconds = 300, now = Date.now()): EntitlementsUpdatedEvent {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const parts = (header ?? '').split(',').map((part) => part.trim().split('=', 2) as [string, string | undefined]);
  const timestamp = Number(parts.find(([key]) => key === 't')?.[1]);
  const signatures = parts.filter(([key, value]) => key === 'v1' && value).map(([, value]) => Buffer.from(value!, 'hex'));
  if (!Number.isInteger(timestamp) || signatures.length === 0) throw new WebhookSignatureError('no_signature', 'no t=…,v1=… signature in the header');
  const matches = (typeof secrets === 'string' ? [secrets] : secrets).some((secret) => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${text}`).digest();
    return signatures.some((signature) => signature.length === expected.length && timingSafeEqual(signature, expected));
  });
  if (!matches) throw new WebhookSignatureError('bad_signature', 'no signature matches the secret');
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) throw new WebhookSignatureError('too_old', `the signature is older than ${toleranceSeconds} s`);
  return JSON.parse(text) as EntitlementsUpdatedEvent;
}

export type { EntitlementsUpdatedEvent } from './types.js';
