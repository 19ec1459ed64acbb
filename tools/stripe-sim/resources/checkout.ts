import type { ApiRoutes } from '../api.js';
import type { SimContext } from '../context.js';
import { invalidRequest } from '../errors.js';
import { newestFirst, paginate } from '../list.js';
import { createCheckoutSession, createPortalSession } from '../ops/checkout.js';
import { idOf } from '../id-of.js';
import { mustGet } from '../ops/lookup.js';
import { mergeMetadata, optInt, optObject, optObjects, optString, reqString } from '../params.js';

export function checkoutRoutes(routes: ApiRoutes, ctx: SimContext): void {
  routes.post('/checkout/sessions', ({ body }) => {
    const subscriptionData = optObject(body, 'subscription_data') ?? {};
    const lineItems = (optObjects(body, 'line_items') ?? []).map((item, i) => {
      const price = optString(item, 'price');
      if (price === undefined) throw invalidRequest(`Missing required param: line_items[${i}][price].`, 'parameter_missing', `line_items[${i}][price]`);
      return { price, quantity: optInt(item, 'quantity') ?? 1 };
    });
    return createCheckoutSession(ctx, {
      mode: reqString(body, 'mode'),
      customer: optString(body, 'customer'),
      customerEmail: optString(body, 'customer_email'),
      clientReferenceId: optString(body, 'client_reference_id'),
      successUrl: optString(body, 'success_url'),
      cancelUrl: optString(body, 'cancel_url'),
      metadata: mergeMetadata({}, body) ?? {},
      lineItems,
      trialDays: optInt(subscriptionData, 'trial_period_days') ?? null,
      subscriptionMetadata: mergeMetadata({}, subscriptionData) ?? {},
    });
  });
  routes.get('/checkout/sessions/:id', ({ params }) => mustGet(ctx.store.checkoutSessions, params.id ?? '', 'checkout.session'));
  routes.get('/checkout/sessions', ({ body }) => {
    const customer = optString(body, 'customer');
    const subscription = optString(body, 'subscription');
    const sessions = newestFirst(ctx.store.checkoutSessions).filter((session) =>
      (customer === undefined || idOf(session.customer) === customer) && (subscription === undefined || idOf(session.subscription) === subscription));
    return paginate(sessions, body, '/v1/checkout/sessions');
  });

  routes.post('/billing_portal/sessions', ({ body }) => createPortalSession(ctx, reqString(body, 'customer'), optString(body, 'return_url') ?? null));
}
