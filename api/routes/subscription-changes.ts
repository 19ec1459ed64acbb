import express, { Router, type Response } from 'express';
import type { Context } from '../../shared/context.js';
import { stripeIdempotencyKey } from '../../shared/checkout/idempotency-key.js';
import { parseBody } from '../../shared/checkout/requests.js';
import type { RecomputeCause } from '../../shared/entitlements/recompute.js';
import { applyChange } from '../../shared/plans/apply-change.js';
import { cancelSubscription, resumeSubscription } from '../../shared/plans/cancel-subscription.js';
import { previewChange } from '../../shared/plans/preview-change.js';
import { answerOnce } from '../../shared/plans/replay-answer.js';
import { cancelRequestSchema, changeRequestSchema, previewRequestSchema, resumeRequestSchema } from '../../shared/plans/requests.js';
import { authenticatedKey, requireScope, type KeyVerifier } from '../middleware/authenticate.js';
import { requireSubject, userToken } from '../middleware/user-token.js';
import { stripeErrors } from './checkout-stripe-errors.js';

const causeOf = (res: Response, reason: string): RecomputeCause => ({
  actor: `key:${authenticatedKey(res).id}`,
  requestId: res.locals.requestId as string | undefined,
  reason,
});

/**
 * Plan changes from the app (scope write), on the customer's one live subscription (or the one the
 * body names): `preview` answers what a change would cost (nothing is written); `change` applies it
 * and answers the new entitlements with their version; `cancel` (at period end by default) and
 * `resume`. With `USER_TOKEN_SECRET`, only for the customer of the user an `X-User-Token` names.
 * Every write to Stripe carries an idempotency key derived from the `Idempotency-Key`
 * header, so a retried request never changes a plan twice, and the retry gets the first answer.
 */
export function subscriptionChangeRoutes(context: Context, verify: KeyVerifier): Router {
  const router = Router();
  const write = requireScope(verify, 'write');
  const token = userToken(context.config);
  const body = express.json({ limit: '16kb' });
  const subject = (res: Response) => (userId: string | null) => requireSubject(res, userId);
  /** Runs a write with the Stripe idempotency key derived from the caller's; with an `Idempotency-Key`, once per key (a retry gets the first answer). */
  const once = <T>(operation: string, req: express.Request, res: Response, run: (key: string) => Promise<T>): Promise<T> => {
    const clientKey = req.get('idempotency-key');
    const key = stripeIdempotencyKey(operation, authenticatedKey(res).id, clientKey);
    return clientKey === undefined ? run(key) : answerOnce(context, key, { path: req.path, body: req.body as unknown }, () => run(key));
  };

  router.post('/v1/customers/:ref/subscription/preview', write, token, body, async (req, res) => {
    res.json(await previewChange(context, String(req.params.ref), parseBody(previewRequestSchema, req.body), subject(res)));
  });
  router.post('/v1/customers/:ref/subscription/change', write, token, body, async (req, res) => {
    const request = parseBody(changeRequestSchema, req.body);
    res.json(await once('subscription-change', req, res, (key) => applyChange(context, String(req.params.ref), request, subject(res), key, causeOf(res, 'plan change'))));
  });
  router.post('/v1/customers/:ref/subscription/cancel', write, token, body, async (req, res) => {
    const request = parseBody(cancelRequestSchema, req.body ?? {});
    res.json(await once('subscription-cancel', req, res, (key) => cancelSubscription(context, String(req.params.ref), request, subject(res), key, causeOf(res, 'cancellation'))));
  });
  router.post('/v1/customers/:ref/subscription/resume', write, token, body, async (req, res) => {
    const request = parseBody(resumeRequestSchema, req.body ?? {});
    res.json(await once('subscription-resume', req, res, (key) => resumeSubscription(context, String(req.params.ref), request, subject(res), key, causeOf(res, 'resumed'))));
  });
  router.use('/v1/customers/:ref/subscription', stripeErrors(context.logger));
  return router;
}
