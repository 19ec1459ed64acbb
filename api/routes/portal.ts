import express, { Router } from 'express';
import type { Context } from '../../shared/context.js';
import { stripeIdempotencyKey } from '../../shared/checkout/idempotency-key.js';
import { openPortal } from '../../shared/checkout/open-portal.js';
import { parseBody, portalRequestSchema, returnUrlPolicy } from '../../shared/checkout/requests.js';
import { authenticatedKey, requireScope, type KeyVerifier } from '../middleware/authenticate.js';
import { requireSubject, userToken } from '../middleware/user-token.js';
import { stripeErrors } from './checkout-stripe-errors.js';

/**
 * `POST /v1/portal/sessions` (scope write): a billing portal session for a known customer → `201 {url}`.
 * With `USER_TOKEN_SECRET`, only for the customer of the user an `X-User-Token` names.
 */
export function portalRoutes(context: Context, verify: KeyVerifier): Router {
  const schema = portalRequestSchema(returnUrlPolicy(context.config));
  const router = Router();
  router.post('/v1/portal/sessions', requireScope(verify, 'write'), userToken(context.config), express.json({ limit: '100kb' }), async (req, res) => {
    const request = parseBody(schema, req.body);
    const idempotencyKey = stripeIdempotencyKey('portal-session', authenticatedKey(res).id, req.get('idempotency-key'));
    const session = await openPortal(context, request, idempotencyKey, (userId) => requireSubject(res, userId));
    res.status(201).json({ url: session.url });
  });
  router.use('/v1/portal', stripeErrors(context.logger));
  return router;
}
