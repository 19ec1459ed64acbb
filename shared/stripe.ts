import Stripe from 'stripe';
import type { Config } from './config.js';

export { Stripe };

/** The API version this service speaks: the one the installed stripe package is typed for. */
export const stripeApiVersion = Stripe.API_VERSION;

/**
 * A Stripe client on the pinned API version. Network retries are off: jobs retry with their own
 * backoff, so a failure is visible and counted. `STRIPE_API_BASE` points it at a compatible API.
 */
export function createStripe(config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE'>, options: { maxNetworkRetries?: number } = {}): Stripe {
  const base = config.STRIPE_API_BASE ? new URL(config.STRIPE_API_BASE) : undefined;
  return new Stripe(config.STRIPE_SECRET_KEY, {
    apiVersion: stripeApiVersion,
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: 'billing-entitlements' },
    ...(base && {
      host: base.hostname,
      port: base.port || (base.protocol === 'https:' ? 443 : 80),
      protocol: base.protocol === 'https:' ? 'https' : 'http',
    }),
  });
}
