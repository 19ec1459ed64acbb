import express, { type Express } from 'express';
import type { Context } from '../shared/context.js';
import { EntitlementCache } from '../shared/entitlements/cache.js';
import { ChangeFeed } from '../shared/notify/change-feed.js';
import { BalanceStore } from '../shared/usage/balance-store.js';
import { LedgerWriter } from '../shared/usage/ledger-writer.js';
import { createKeyVerifier } from './middleware/authenticate.js';
import { errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { requestContext } from './middleware/request-context.js';
import { adminRoutes } from './admin/index.js';
import { checkoutRoutes } from './routes/checkout.js';
import { subscriptionChangeRoutes } from './routes/subscription-changes.js';
import { customerSyncRoutes } from './routes/customer-sync.js';
import { entitlementRoutes } from './routes/entitlements.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { openApiRoutes } from './routes/openapi.js';
import { pageRoutes } from './routes/pages.js';
import { portalRoutes } from './routes/portal.js';
import { streamRoutes } from './routes/stream.js';
import { usageRoutes } from './routes/usage.js';
import { webhookRoutes } from './routes/webhook.js';

/**
 * The Express application: routes and middleware over a context; no listening, no process wiring.
 * `entitlements` is the process's started cache; without one, reads use Redis and Postgres only.
 * `feed` is the process's change-log reader that event streams share (stopped with the process).
 * `isDraining` says when the process is stopping (readiness then answers 503).
 */
export function createApp(context: Context, options: { entitlements?: EntitlementCache; feed?: ChangeFeed; isDraining?: () => boolean } = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', context.config.TRUST_PROXY);
  app.use(requestContext(context.logger, context.metrics));
  const verify = createKeyVerifier(context.db, context.config.API_KEY_CACHE_TTL_SECONDS);
  const cache = options.entitlements ?? new EntitlementCache(context);
  // First: entitlement reads and usage are the hot paths, and every router before them is matched in vain.
  const usage = { context, cache, store: new BalanceStore(context.balances, context.config.REDIS_PREFIX), writer: new LedgerWriter(context.db) };
  app.use(entitlementRoutes(verify, cache, usage));
  app.use(usageRoutes(usage, verify));
  app.use(healthRoutes(context, options.isDraining));
  app.use(metricsRoutes(context.metrics, context.config));
  app.use(openApiRoutes());
  // The start page, the API reference and their stylesheet: what a person opens first.
  app.use(pageRoutes(context));
  // Raw body on this route only: signatures are computed over the exact bytes Stripe sent.
  app.use(webhookRoutes(context));
  app.use(checkoutRoutes(context, verify));
  app.use(portalRoutes(context, verify));
  app.use(customerSyncRoutes(context, verify));
  app.use(subscriptionChangeRoutes(context, verify));
  app.use(streamRoutes(context, verify, options.feed ?? new ChangeFeed(context)));
  // Admin JSON routes (scope admin) and Bull Board at /admin/queues behind the same keys.
  app.use(adminRoutes(context, verify, usage));
  app.use(notFoundHandler);
  app.use(errorHandler(context.logger));
  return app;
}
