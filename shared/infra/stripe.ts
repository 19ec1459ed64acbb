import http from 'node:http';
import https from 'node:https';
import Stripe from 'stripe';
import type { Config } from './config.js';
import { currentCorrelation } from './correlation.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { backoffDelayMs, stripeRetryWaitMs, stripeStatusIsTransient, type Backoff } from '../retry-policy.js';
import { endpointLabel } from './stripe-endpoint-label.js';

export { Stripe };

/** The API version this service speaks: the one the installed stripe package is typed for. */
export const stripeApiVersion = Stripe.API_VERSION;

export interface StripeHooks {
  /** Waits for the shared rate limit; returns seconds waited. Every attempt of every call waits for it. */
  acquire?: () => Promise<number>;
  /** Retries of one call after a transient answer (see shared/retry-policy.ts). @defaultValue none */
  retries?: number;
  backoff?: Backoff;
  metrics?: Metrics;
  logger?: Logger;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why an answer is retried, as a metric label: a bounded set. */
const retryReason = (status: number): string => (status === 429 ? '429' : status === 409 ? '409' : status >= 500 ? '5xx' : 'advised');

/**
 * Wraps the stripe package's Node client: the shared rate limit before every attempt, retries of
 * transient answers (429, 409, 5xx, `Stripe-Should-Retry`, dropped connections and timeouts) with
 * backoff that honours `Retry-After`, per-endpoint metrics and a log line per attempt with the
 * correlation id. Retrying a POST is safe: the stripe package gives every POST an idempotency key,
 * and each attempt re-sends the same headers.
 */
function instrumentedHttpClient(hooks: StripeHooks, agent: http.Agent): Stripe.HttpClient {
  const inner = Stripe.createNodeHttpClient(agent);
  const retries = hooks.retries ?? 0;
  const backoff = hooks.backoff ?? { baseMs: 500, maxMs: 5000 };
  return {
    getClientName: () => 'billing-instrumented',
    makeRequest: async (host, port, path, method, headers, requestData, protocol, timeout) => {
      const endpoint = endpointLabel(method, path);
      for (let attempt = 0; ; attempt += 1) {
        const waited = hooks.acquire ? await hooks.acquire() : 0;
        if (waited > 0) hooks.metrics?.stripeRateLimitWait.observe(waited);
        const started = Date.now();
        let response: Stripe.HttpClientResponse;
        try {
          response = await inner.makeRequest(host, port, path, method, headers, requestData, protocol, timeout);
        } catch (error) {
          hooks.metrics?.stripeCalls.inc({ endpoint, status: 'network_error' });
          if (attempt >= retries) throw error;
          hooks.metrics?.stripeCallRetries.inc({ reason: 'network' });
          hooks.logger?.debug('stripe call failed, retrying', { endpoint, attempt: attempt + 1, error, correlationId: currentCorrelation()?.correlationId });
          await sleep(backoffDelayMs(attempt + 1, backoff));
          continue;
        }
        const status = response.getStatusCode();
        hooks.metrics?.stripeCalls.inc({ endpoint, status: String(status) });
        hooks.logger?.debug('stripe call', { endpoint, status, attempt: attempt + 1, durationMs: Date.now() - started, correlationId: currentCorrelation()?.correlationId });
        const answerHeaders = response.getHeaders() as Record<string, string | string[] | undefined>;
        if (status < 400 || attempt >= retries || !stripeStatusIsTransient(status, answerHeaders)) return response;
        const wait = stripeRetryWaitMs(attempt + 1, backoff, answerHeaders);
        if (wait === undefined) return response;
        // The answer is dropped unread; the next attempt's answer is the one the caller sees.
        (response.getRawResponse() as http.IncomingMessage).resume();
        hooks.metrics?.stripeCallRetries.inc({ reason: retryReason(status) });
        await sleep(wait);
      }
    },
  };
}

/**
 * A Stripe client on the pinned API version. The package's own retries are off: the instrumented
 * client retries (through the shared rate limit, honouring `Retry-After`), and jobs retry beyond
 * that with their own backoff. `STRIPE_API_BASE` points it at a compatible API.
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
