import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { invalidRequest } from '../errors.js';
import { buildSubscriptionItem } from '../objects/subscription.js';
import { planFromPrice } from '../objects/catalog.js';
import { refreshEntitlements } from './entitlements.js';
import { idOf } from '../id-of.js';
import { mustGet } from './lookup.js';

export interface SubscriptionItemPatch {
  id?: string;
  price?: string;
  quantity?: number;
  deleted?: boolean;
}

export interface SubscriptionPatch {
  cancelAtPeriodEnd?: boolean;
  metadata?: Record<string, string>;
  description?: string | null;
  items?: SubscriptionItemPatch[];
}

function periodEnd(subscription: Stripe.Subscription): number {
  return Math.max(...subscription.items.data.map((item) => item.current_period_end));
}

function applyItems(ctx: SimContext, subscription: Stripe.Subscription, patches: SubscriptionItemPatch[]): void {
  const items = subscription.items.data;
  const period = { start: items[0]?.current_period_start ?? ctx.clock.now(), end: periodEnd(subscription) };
  patches.forEach((patch, i) => {
    const existing = patch.id === undefined ? undefined : items.find((item) => item.id === patch.id);
    if (patch.id !== undefined && !existing) throw invalidRequest(`No such subscription item: '${patch.id}'`, 'resource_missing', `items[${i}][id]`);
    if (existing && patch.deleted === true) {
      items.splice(items.indexOf(existing), 1);
      return;
    }
    const price = patch.price === undefined ? undefined : mustGet(ctx.store.prices, patch.price, 'price', `items[${i}][price]`);
    if (existing) {
      if (price) Object.assign(existing, { price: structuredClone(price), plan: planFromPrice(price) });
      if (patch.quantity !== undefined) existing.quantity = patch.quantity;
      return;
    }
    if (!price) throw invalidRequest('Missing required param: items[price].', 'parameter_missing', `items[${i}][price]`);
    items.push(buildSubscriptionItem(ctx, subscription.id, { price, quantity: patch.quantity ?? 1 }, period));
  });
  if (items.length === 0) throw invalidRequest('A subscription must have at least one active item.', 'parameter_invalid', 'items');
}

/**
 * Applies a `POST /v1/subscriptions/:id` update and emits `customer.subscription.updated` with
 * `previous_attributes` holding the old values of what changed. Quantity and price changes
 * take effect at once without proration invoices.
 */
export function updateSubscription(ctx: SimContext, id: string, patch: SubscriptionPatch): Stripe.Subscription {
  const subscription = mustGet(ctx.store.subscriptions, id, 'subscription');
  const before = structuredClone(subscription);
  if (subscription.status === 'canceled' && (patch.items !== undefined || patch.cancelAtPeriodEnd !== undefined)) {
    throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.', undefined, 'id');
  }
  if (patch.metadata !== undefined) subscription.metadata = patch.metadata;
  if (patch.description !== undefined) subscription.description = patch.description;
  if (patch.items !== undefined) applyItems(ctx, subscription, patch.items);
  if (patch.cancelAtPeriodEnd !== undefined && patch.cancelAtPeriodEnd !== subscription.cancel_at_period_end) {
    subscription.cancel_at_period_end = patch.cancelAtPeriodEnd;
    subscription.cancel_at = patch.cancelAtPeriodEnd ? periodEnd(subscription) : null;
    subscription.canceled_at = patch.cancelAtPeriodEnd ? ctx.clock.now() : null;
    subscription.cancellation_details = {
      comment: null, feedback: null, feedback_option: null, reason: patch.cancelAtPeriodEnd ? 'cancellation_requested' : null,
    };
  }
  const previous = changedFields(before, subscription);
  if (Object.keys(previous).length > 0) ctx.events.emit('customer.subscription.updated', subscription, previous);
  refreshEntitlements(ctx, idOf(subscription.customer) ?? '');
  return subscription;
}

/** Top-level fields whose JSON differs, with their old values (Stripe's `previous_attributes`). */
export function changedFields<T extends object>(before: T, after: T): Partial<T> {
  const previous: Partial<T> = {};
  for (const key of Object.keys(after) as Array<keyof T>) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key];
  }
  return previous;
}
