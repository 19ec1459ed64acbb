import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { idOf } from '../id-of.js';
import { productIdOf } from './lookup.js';

/** Subscription states whose products grant Stripe entitlements (Stripe keeps them through past_due). */
const entitledStatuses = new Set<Stripe.Subscription.Status>(['active', 'trialing', 'past_due']);

/** The customer's active entitlements now: features of the products of their live subscriptions. */
export function computeActiveEntitlements(ctx: SimContext, customer: string): Stripe.Entitlements.ActiveEntitlement[] {
  const products = new Set<string>();
  for (const subscription of ctx.store.subscriptions.values()) {
    if (idOf(subscription.customer) !== customer || !entitledStatuses.has(subscription.status)) continue;
    for (const item of subscription.items.data) products.add(productIdOf(item.price));
  }
  const features = new Map<string, Stripe.Entitlements.Feature>();
  for (const link of ctx.store.productFeatures.values()) {
    const feature = ctx.store.features.get(link.feature.entitlement_feature.id);
    if (products.has(link.product) && feature?.active === true) features.set(feature.id, feature);
  }
  const previous = ctx.store.activeEntitlements.get(customer) ?? [];
  return [...features.values()].map((feature) => ({
    id: previous.find((entitlement) => idOf(entitlement.feature) === feature.id)?.id ?? ctx.ids.next('ent'),
    object: 'entitlements.active_entitlement',
    feature: feature.id,
    livemode: false,
    lookup_key: feature.lookup_key,
  }));
}

export function entitlementSummary(customer: string, entitlements: Stripe.Entitlements.ActiveEntitlement[]): Stripe.Entitlements.ActiveEntitlementSummary {
  return {
    object: 'entitlements.active_entitlement_summary',
    customer,
    entitlements: { object: 'list', data: entitlements, has_more: false, url: `/v1/customer/${customer}/entitlements` },
    livemode: false,
  };
}

/** Recomputes a customer's entitlements and emits `entitlements.active_entitlement_summary.updated` on change. */
export function refreshEntitlements(ctx: SimContext, customer: string): void {
  const previous = ctx.store.activeEntitlements.get(customer) ?? [];
  const next = computeActiveEntitlements(ctx, customer);
  const key = (list: Stripe.Entitlements.ActiveEntitlement[]): string => list.map((e) => e.lookup_key).sort().join(',');
  if (key(previous) === key(next)) return;
  ctx.store.activeEntitlements.set(customer, next);
  ctx.events.emit('entitlements.active_entitlement_summary.updated', entitlementSummary(customer, next), {
    entitlements: entitlementSummary(customer, previous).entitlements,
  });
}

/** Refreshes every customer subscribed to `product` (after its features change). */
export function refreshProductCustomers(ctx: SimContext, product: string): void {
  const customers = new Set<string>();
  for (const subscription of ctx.store.subscriptions.values()) {
    if (subscription.items.data.some((item) => productIdOf(item.price) === product)) customers.add(idOf(subscription.customer) ?? '');
  }
  for (const customer of customers) refreshEntitlements(ctx, customer);
}
