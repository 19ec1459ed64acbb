import Stripe from 'stripe';
import { stripeApiVersion } from '../../shared/infra/stripe.js';
import { webhookSecret } from './config.js';
import { uid, type Json } from './stripe-state.js';

const stripe = new Stripe('sk_test_123');

/** A snapshot event in the pinned API version. */
export function makeEvent(type: string, object: Json, fields: Json = {}): Json {
  return {
    id: uid('evt'), object: 'event', type, api_version: stripeApiVersion, created: Math.floor(Date.now() / 1000), livemode: false,
    pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object }, ...fields,
  };
}

/** POSTs a body signed like Stripe does (`stripe.webhooks.generateTestHeaderString`). */
export async function deliver(baseUrl: string, event: Json | string, options: { secret?: string; timestamp?: number; header?: string | null } = {}): Promise<Response> {
  const payload = typeof event === 'string' ? event : JSON.stringify(event);
  const header = options.header === undefined
    ? stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? webhookSecret, ...(options.timestamp && { timestamp: options.timestamp }) })
    : options.header;
  return fetch(`${baseUrl}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(header !== null && { 'stripe-signature': header }) },
    body: payload,
  });
}
