import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { invalidRequest } from '../errors.js';
import { buildSubscriptionItem } from '../objects/subscription.js';
import { planFromPrice } from '../objects/catalog.js';
import { prorationDateIn, prorationLines, type ProrationBehavior } from '../objects/proration.js';
import { refreshEntitlements } from './entitlements.js';
import { idOf } from '../id-of.js';
import { issueProrationInvoice } from './invoicing.js';
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
  /**
   * How a price or quantity change of an item is billed: `create_prorations` adds the proration
   * lines to the next invoice, `always_invoice` bills them now, `none` not at all.
   * @defaultValue `none` (the `/v1` endpoint defaults to Stripe's `create_prorations`)
   */
  prorationBehavior?: ProrationBehavior;
  /** The moment the change is prorated from; within the current period. @defaultValue now */
  prorationDate?: number;
}

function periodEnd(subscription: Stripe.Subscription): number {
  return Math.max(...subscription.items.data.map((item) => item.current_period_end));
}

/**
 * Applies item patches to `subscription` in place (no events), and answers the proration lines of
 * the items whose price or quantity changed. The invoice preview runs it on a copy.
 */
export function applyItems(ctx: SimContext, subscription: Stripe.Subscription, patches: SubscriptionItemPatch[], prorate: { behavior: ProrationBehavior; date: number | undefined }): Stripe.InvoiceLineItem[] {
  const items = subscription.items.data;
  const period = { start: items[0]?.current_period_start ?? ctx.clock.now(), end: periodEnd(subscription) };
  const prorations: Stripe.InvoiceLineItem[] = [];
  patches.forEach((patch, i) => {
    const existing = patch.id === undefined ? undefined : items.find((item) => item.id === patch.id);
    if (patch.id !== undefined && !existing) throw invalidRequest(`No such subscription item: '${patch.id}'`, 'resource_missing', `items[${i}][id]`);
    if (existing && patch.deleted === true) {
      items.splice(items.indexOf(existing), 1);
      return;
    }
    const price = patch.price === undefined ? undefined : mustGet(ctx.store.prices, patch.price, 'price', `items[${i}][price]`);
    if (existing) {
      const before = { price: existing.price, quantity: existing.quantity ?? 1 };
      const after = { price: price ?? existing.price, quantity: patch.quantity ?? before.quantity };
      if (prorate.behavior !== 'none') {
        const window = { start: existing.current_period_start, end: existing.current_period_end };
        const at = prorationDateIn(window, prorate.date, ctx.clock.now(), 'proration_date');
        prorations.push(...prorationLines(ctx, subscription, existing.id, before, after, window, at));
      }
      if (price) Object.assign(existing, { price: structuredClone(price), plan: planFromPrice(price) });
      if (patch.quantity !== undefined) existing.quantity = patch.quantity;
      return;
    }
    if (!price) throw invalidRequest('Missing required param: items[price].', 'parameter_missing', `items[${i}][price]`);
    items.push(buildSubscriptionItem(ctx, subscription.id, { price, quantity: patch.quantity ?? 1 }, period));
  });
  if (items.length === 0) throw invalidRequest('A subscription must have at least one active item.', 'parameter_invalid', 'items');
  return prorations;
}

/**
 * Applies a `POST /v1/subscriptions/:id` update and emits `customer.subscription.updated` with
 * `previous_attributes` holding the old values of what changed. Quantity and price changes take
 * effect at once, prorated as `prorationBehavior` says: pending until the next invoice, or billed
 * at once on a `subscription_update` invoice (with any pending prorations). A subscription run by
 * a schedule cannot be set to cancel at period end, as in Stripe.
 */
export function updateSubscription(ctx: SimContext, id: string, patch: SubscriptionPatch): Stripe.Subscription {
  const subscription = mustGet(ctx.store.subscriptions, id, 'subscription');
  const before = structuredClone(subscription);
  if (subscription.status === 'canceled' && (patch.items !== undefined || patch.cancelAtPeriodEnd !== undefined)) {
    throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.', undefined, 'id');
  }
  if (patch.metadata !== undefined) subscription.metadata = patch.metadata;
  if (patch.description !== undefined) subscription.description = patch.description;
  if (patch.cancelAtPeriodEnd === true && subscription.schedule !== null) {
    throw invalidRequest(`The subscription is managed by the subscription schedule \`${idOf(subscription.schedule) ?? ''}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`, undefined, 'cancel_at_period_end');
  }
  const behavior = patch.prorationBehavior ?? 'none';
  const prorations = patch.items === undefined ? [] : applyItems(ctx, subscription, patch.items, { behavior, date: patch.prorationDate });
  if (behavior === 'create_prorations' && prorations.length > 0) {
    ctx.store.pendingProrations.set(subscription.id, [...(ctx.store.pendingProrations.get(subscription.id) ?? []), ...prorations]);
  }
  if (behavior === 'always_invoice' && (prorations.length > 0 || ctx.store.pendingProrations.has(subscription.id))) {
    issueProrationInvoice(ctx, subscription, prorations);
  }
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
