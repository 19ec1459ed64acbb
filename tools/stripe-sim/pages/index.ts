import express, { Router, type Request, type Response } from 'express';
import { pageHeaders, stylesheetPath } from '../../../shared/pages/html.js';
import { pageStylesheet } from '../../../shared/pages/stylesheet.js';
import type { SimContext } from '../context.js';
import { SimError } from '../errors.js';
import { idOf } from '../id-of.js';
import { mustGet } from '../ops/lookup.js';
import { completeCheckoutSession } from '../ops/checkout.js';
import { updateSubscription } from '../ops/subscription-update.js';
import type { SimOperations } from '../operations.js';
import { checkoutDonePage, checkoutPage } from './checkout-page.js';
import { paymentMethodForCard } from './labels.js';
import { portalPage } from './portal-page.js';

const send = (response: Response, status: number, page: string) => void response.status(status).set(pageHeaders).send(page);
const field = (request: Request, name: string): string | undefined => {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * The hosted pages behind a Checkout Session's and a portal session's `url`: forms (no script)
 * that call the same operations as the control API, so they change the same state and send the
 * same webhooks.
 */
export function createPageRouter(ctx: SimContext, ops: SimOperations): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  const session = (request: Request) => mustGet(ctx.store.checkoutSessions, String(request.params.id), 'checkout.session');
  const portal = (request: Request) => mustGet(ctx.store.portalSessions, String(request.params.id), 'billing_portal.session');

  router.get(stylesheetPath, (_request, response) => { response.type('text/css').send(pageStylesheet); });
  router.get('/checkout/:id', (request, response) => { send(response, 200, checkoutPage({ session: session(request), store: ctx.store })); });
  router.post('/checkout/:id/pay', form, (request, response) => {
    const current = session(request);
    const card = field(request, 'card') ?? '';
    try {
      const done = completeCheckoutSession(ctx, current.id, { paymentMethod: paymentMethodForCard(card), email: field(request, 'email') });
      send(response, 200, checkoutDonePage('Payment succeeded', `Subscription ${idOf(done.subscription) ?? ''} is ${done.payment_status === 'paid' ? 'paid' : 'started'}.`, done.success_url?.replace('{CHECKOUT_SESSION_ID}', done.id) ?? null));
    } catch (error) {
      if (!(error instanceof SimError) || error.status >= 500) throw error;
      send(response, error.status, checkoutPage({ session: current, store: ctx.store, error: error.message, card }));
    }
  });
  router.post('/checkout/:id/cancel', form, (request, response) => {
    const current = session(request);
    send(response, 200, checkoutDonePage('Checkout canceled', 'Nothing was charged.', current.cancel_url));
  });

  router.get('/portal/:id', (request, response) => { send(response, 200, portalPage(portal(request), ctx.store)); });
  router.post('/portal/:id/subscriptions/:subscription/:action', form, (request, response) => {
    const current = portal(request);
    const subscription = mustGet(ctx.store.subscriptions, String(request.params.subscription), 'subscription');
    if (idOf(subscription.customer) !== current.customer) throw new SimError(404, 'invalid_request_error', 'No such subscription for this customer.', 'resource_missing');
    const action = String(request.params.action);
    if (action === 'cancel') ops.cancelAtPeriodEnd(subscription.id, true);
    else if (action === 'resume') ops.cancelAtPeriodEnd(subscription.id, false);
    else if (action === 'plan') {
      const price = field(request, 'price') ?? '';
      const item = subscription.items.data[0];
      if (item && item.price.id !== price) updateSubscription(ctx, subscription.id, { items: [{ id: item.id, price }] });
    } else throw new SimError(404, 'invalid_request_error', `Unknown action ${action}.`, 'resource_missing');
    response.redirect(303, `/portal/${current.id}`);
  });

  router.use((error: unknown, _request: Request, response: Response, next: (error?: unknown) => void) => {
    if (!(error instanceof SimError)) return next(error);
    send(response, error.status, checkoutDonePage('Not possible', error.message, null));
  });
  return router;
}
