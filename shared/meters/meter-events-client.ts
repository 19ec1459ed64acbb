import type { Context } from '../context.js';
import { stripeCallBackoff } from '../retry-policy.js';
import { closeStripe, createStripe, type Stripe } from '../infra/stripe.js';
import { createStripeRateLimiter } from '../infra/stripe-rate-limit.js';

const clients = new WeakMap<Context, Stripe>();

/**
 * The Stripe client meter events are sent with: the service's client in every respect (retries,
 * metrics, logs) except its rate limit, which is the meter events endpoint's own
 * (`METER_EVENTS_RATE_LIMIT_PER_SECOND`, shared by every worker through Redis), so a usage backlog
 * never starves syncs and reconciliation, nor they it. One per process.
 */
export function meterEventsClient(context: Context): Stripe {
  let client = clients.get(context);
  if (!client) {
    const { config } = context;
    client = createStripe(config, {
      acquire: createStripeRateLimiter(context.redis, `${config.REDIS_PREFIX}:meter-events`, config.METER_EVENTS_RATE_LIMIT_PER_SECOND),
      retries: config.STRIPE_MAX_NETWORK_RETRIES,
      backoff: stripeCallBackoff(config),
      metrics: context.metrics,
      logger: context.logger,
    });
    clients.set(context, client);
  }
  return client;
}

/** Closes the process's meter events client, if it made one. */
export function closeMeterEventsClient(context: Context): void {
  const client = clients.get(context);
  if (client) closeStripe(client);
  clients.delete(context);
}
