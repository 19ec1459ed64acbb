import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { stripeApiVersion } from '../../../shared/infra/stripe.js';

/** The webhook secret of this benchmark run: every server it starts verifies with it. */
export const webhookSecret = `whsec_bench_${randomBytes(8).toString('hex')}`;
const signer = new Stripe('sk_test_bench');

/** A signed `customer.updated` event with a fresh id: a handled type, so the api records and enqueues it. */
export function signedEvent(object: Record<string, unknown>, type = 'customer.updated'): { body: string; signature: string } {
  const body = JSON.stringify({
    id: `evt_${randomBytes(12).toString('hex')}`, object: 'event', type, api_version: stripeApiVersion,
    created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object },
  });
  return { body, signature: signer.webhooks.generateTestHeaderString({ payload: body, secret: webhookSecret }) };
}
