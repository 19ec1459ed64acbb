import express, { Router, type Response } from 'express';
import type { Context } from '../../shared/context.js';
import { stripeIdempotencyKey } from '../../shared/checkout/idempotency-key.js';
import type { Actor } from '../../shared/audit.js';
import { checkoutRequestSchema, parseBody, returnUrlPolicy } from '../../shared/checkout/requests.js';
import { startCheckout } from '../../shared/checkout/start-checkout.js';
import { authenticatedKey, requireScope, type KeyVerifier } from '../middleware/authenticate.js';
import { requireSubject, userToken } from '../middleware/user-token.js';
import { stripeErrors } from './checkout-stripe-errors.js';

/**
 * `POST /v1/checkout/sessions` (scope write): a subscription Checkout Session for an app user →
 * `201 {id, url}`. An `Idempotency-Key` header makes client retries return the same session. With
 * `USER_TOKEN_SECRET`, only for the user an `X-User-Token` names.
 */
export function checkoutRoutes(context: Context, verify: KeyVerifier): Router {
  const schema = checkoutRequestSchema(context.config.CHECKOUT_MAX_QUANTITY, returnUrlPolicy(context.config));
  const router = Router();
  router.post('/v1/checkout/sessions', requireScope(verify, 'write'), userToken(context.config), express.json({ limit: '100kb' }), async (req, res) => {
    const request = parseBody(schema, req.body);
    requireSubject(res, request.user_id);
    const idempotencyKey = stripeIdempotencyKey('checkout-session', authenticatedKey(res).id, req.get('idempotency-key'));
    const session = await startCheckout(context, request, actorOf(res), idempotencyKey);
    res.status(201).json({ id: session.id, url: session.url });
  });
  router.use('/v1/checkout', stripeErrors(context.logger));
  return router;
}

function actorOf(res: Response): Actor {
  return { actor: `key:${authenticatedKey(res).id}`, requestId: res.locals.requestId as string | undefined };
}
