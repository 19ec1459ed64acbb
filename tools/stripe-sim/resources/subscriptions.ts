import type Stripe from 'stripe';
import type { ApiRoutes } from '../api.js';
import type { SimContext } from '../context.js';
import { invalidRequest, resourceMissing } from '../errors.js';
import type { FormObject } from '../form.js';
import { inRange, paginate } from '../list.js';
import { mustGet } from '../ops/lookup.js';
import { cancelSubscription, createSubscription } from '../ops/subscriptions.js';
import { resumeSubscription } from '../ops/trial-end.js';
import { updateSubscription, type SubscriptionItemPatch, type SubscriptionPatch } from '../ops/subscription-update.js';
import { mergeMetadata, optBool, optInt, optObjects, optString, prorationBehavior, reqString } from '../params.js';

/** `items[i][id|price|quantity|deleted]` of a subscription update (or of a preview's `subscription_details`). */
export function itemPatches(body: FormObject): SubscriptionItemPatch[] | undefined {
  return optObjects(body, 'items')?.map((item) => ({
    id: optString(item, 'id'),
    price: optString(item, 'price'),
    quantity: optInt(item, 'quantity'),
    deleted: optBool(item, 'deleted'),
  }));
}

/** Stripe's `status` filter: live subscriptions by default, `all`, `ended`, or one status. */
function statusMatches(subscription: Stripe.Subscription, status: string | undefined): boolean {
  const ended = subscription.status === 'canceled' || subscription.status === 'incomplete_expired';
  if (status === undefined) return !ended;
  if (status === 'all') return true;
  if (status === 'ended') return ended;
  return subscription.status === status;
}

export function subscriptionRoutes(routes: ApiRoutes, ctx: SimContext): void {
  routes.post('/subscriptions', ({ body }) => {
    const items = itemPatches(body) ?? [];
    return createSubscription(ctx, {
      customer: reqString(body, 'customer'),
      items: items.map((item, i) => {
        if (item.price === undefined) throw invalidRequest(`Missing required param: items[${i}][price].`, 'parameter_missing', `items[${i}][price]`);
        return { price: item.price, quantity: item.quantity ?? 1 };
      }),
      trialDays: optInt(body, 'trial_period_days') ?? null,
      metadata: mergeMetadata({}, body) ?? {},
      description: optString(body, 'description') ?? null,
    });
  });

  routes.get('/subscriptions/:id', ({ params }) => mustGet(ctx.store.subscriptions, params.id ?? '', 'subscription'));

  routes.post('/subscriptions/:id', ({ params, body }) => {
    const subscription = mustGet(ctx.store.subscriptions, params.id ?? '', 'subscription');
    const patch: SubscriptionPatch = {};
    const cancelAtPeriodEnd = optBool(body, 'cancel_at_period_end');
    if (cancelAtPeriodEnd !== undefined) patch.cancelAtPeriodEnd = cancelAtPeriodEnd;
    const metadata = mergeMetadata(subscription.metadata, body);
    if (metadata !== undefined) patch.metadata = metadata;
    const description = optString(body, 'description');
    if (description !== undefined) patch.description = description === '' ? null : description;
    const items = itemPatches(body);
    if (items !== undefined) patch.items = items;
    patch.prorationBehavior = prorationBehavior(body, 'proration_behavior') ?? 'create_prorations';
    const prorationDate = optInt(body, 'proration_date');
    if (prorationDate !== undefined) patch.prorationDate = prorationDate;
    return updateSubscription(ctx, subscription.id, patch);
  });

  routes.delete('/subscriptions/:id', ({ params }) => cancelSubscription(ctx, params.id ?? ''));
  routes.post('/subscriptions/:id/resume', ({ params }) => resumeSubscription(ctx, params.id ?? ''));

  routes.get('/subscriptions', ({ body }) => {
    const customer = optString(body, 'customer');
    const price = optString(body, 'price');
    const status = optString(body, 'status');
    const subscriptions = customer === undefined ? ctx.store.subscriptions.newestFirst() : ctx.store.subscriptions.group(customer);
    return paginate(subscriptions, body, '/v1/subscriptions', (subscription) =>
      (price === undefined || subscription.items.data.some((item) => item.price.id === price))
      && statusMatches(subscription, status)
      && inRange(subscription.created, body.created));
  });

  const findItem = (id: string): Stripe.SubscriptionItem => {
    for (const subscription of ctx.store.subscriptions.values()) {
      const item = subscription.items.data.find((candidate) => candidate.id === id);
      if (item) return item;
    }
    throw resourceMissing('subscription_item', id);
  };
  routes.get('/subscription_items/:id', ({ params }) => findItem(params.id ?? ''));
  routes.post('/subscription_items/:id', ({ params, body }) => {
    const item = findItem(params.id ?? '');
    const prorationDate = optInt(body, 'proration_date');
    updateSubscription(ctx, item.subscription, {
      items: [{ id: item.id, price: optString(body, 'price'), quantity: optInt(body, 'quantity') }],
      prorationBehavior: prorationBehavior(body, 'proration_behavior') ?? 'create_prorations',
      ...(prorationDate !== undefined && { prorationDate }),
    });
    return findItem(item.id);
  });
  routes.get('/subscription_items', ({ body }) => {
    const subscription = mustGet(ctx.store.subscriptions, reqString(body, 'subscription'), 'subscription', 'subscription');
    return paginate(subscription.items.data, body, `/v1/subscription_items?subscription=${subscription.id}`);
  });
}
