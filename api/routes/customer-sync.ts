import { Router } from 'express';
import type { Context } from '../../shared/context.js';
import { requireRefKind } from '../../shared/entitlements/read.js';
import { syncNow } from '../../shared/sync/sync-now.js';
import { authenticatedKey, requireScope, type KeyVerifier } from '../middleware/authenticate.js';
import { perKeyRateLimit } from '../middleware/per-key-rate-limit.js';
import { stripeErrors } from './checkout-stripe-errors.js';

/**
 * `POST /v1/customers/:ref/sync` (scope write): fetch the customer from Stripe now and answer its
 * fresh entitlements, in the shape of `GET …/entitlements` plus `changed`. What an app calls on
 * its checkout success page, so the user never sees "not paid yet" while the webhook is on its way.
 * Each key is limited to `SYNC_RATE_LIMIT_PER_MINUTE` (bursts of `SYNC_RATE_LIMIT_BURST`): 429 beyond.
 */
export function customerSyncRoutes(context: Context, verify: KeyVerifier): Router {
  const router = Router();
  const limit = perKeyRateLimit(context.redis, context.config.REDIS_PREFIX, 'customer-sync', {
    perMinute: context.config.SYNC_RATE_LIMIT_PER_MINUTE, burst: context.config.SYNC_RATE_LIMIT_BURST,
  });
  router.post('/v1/customers/:ref/sync', requireScope(verify, 'write'), limit, async (req, res) => {
    const ref = String(req.params.ref);
    const kind = requireRefKind(ref);
    const result = await syncNow(context, ref, kind, {
      actor: `key:${authenticatedKey(res).id}`,
      requestId: res.locals.requestId as string | undefined,
      reason: 'sync requested',
    }, context.config.SYNC_TIMEOUT_MS);
    res.json({ ...result, as_of: new Date().toISOString() });
  });
  router.use('/v1/customers', stripeErrors(context.logger));
  return router;
}
