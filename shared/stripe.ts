import http from 'node:http';
import https from 'node:https';
import Stripe from 'stripe';
import type { Config } from './config.js';
import { currentCorrelation } from './correlation.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { endpointLabel } from './stripe-endpoint-label.js';

export { Stripe };

/** The API version this service speaks: the one the installed stripe package is typed for. */
export const stripeApiVersion = Stripe.API_VERSION;

export interface StripeHooks {
  /** Waits for the shared rate limit; returns seconds waited. Omitted on HTTP paths (checkout). */
  acquire?: () => Promise<number>;
  metrics?: Metrics;
  logger?: Logger;
}

/** Wraps the stripe package's Node client: rate limit, per-endpoint metrics and a log line per call with the correlation id. */
function instrumentedHttpClient(hooks: StripeHooks, agent: http.Agent): Stripe.HttpClient {
  const inner = Stripe.createNodeHttpClient(agent);
  return {
    getClientName: () => 'billing-instrumented',
    makeRequest: async (host, port, path, method, headers, requestData, protocol, timeout) => {
      const waited = hooks.acquire ? await hooks.acquire() : 0;
      if (waited > 0) hooks.metrics?.stripeRateLimitWait.observe(waited);
      const endpoint = endpointLabel(method, path);
      const started = Date.now();
      try {
        const response = await inner.makeRequest(host, port, path, method, headers, requestData, protocol, timeout);
        const status = response.getStatusCode();
        hooks.metrics?.stripeCalls.inc({ endpoint, status: String(status) });
        hooks.logger?.debug('stripe call', { endpoint, status, durationMs: Date.now() - started, correlationId: currentCorrelation()?.correlationId });
        return response;
      } catch (error) {
        hooks.metrics?.stripeCalls.inc({ endpoint, status: 'network_error' });
        throw error;
      }
    },
  };
}

/**
 * A Stripe client on the pinned API version. Network retries are off: jobs retry with their own
 * backoff, so a failure is visible and counted. `STRIPE_API_BASE` points it at a compatible API.
 */
export function createStripe(config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE'>, hooks: StripeHooks = {}): Stripe {
  const base = config.STRIPE_API_BASE ? new URL(config.STRIPE_API_BASE) : undefined;
  // An agent of our own (not the package's shared one), so closing the process closes its sockets.
  const agent = base?.protocol === 'http:' ? new http.Agent({ keepAlive: true }) : new https.Agent({ keepAlive: true });
  const stripe = new Stripe(config.STRIPE_SECRET_KEY, {
    apiVersion: stripeApiVersion,
    maxNetworkRetries: 0,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: 'billing-entitlements' },
    httpClient: instrumentedHttpClient(hooks, agent),
    ...(base && {
      host: base.hostname,
      port: base.port || (base.protocol === 'https:' ? 443 : 80),
      protocol: base.protocol === 'https:' ? 'https' : 'http',
    }),
  });
  agents.set(stripe, agent);
  return stripe;
}

const agents = new WeakMap<Stripe, http.Agent>();

/** Closes the client's keep-alive sockets. */
export function closeStripe(stripe: Stripe): void {
  agents.get(stripe)?.destroy();
}
