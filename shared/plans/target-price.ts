import { resolvePrice } from '../checkout/resolve-price.js';
import type { Context } from '../context.js';
import { planMatchesItem, quantityLimits, type ItemState } from '../domain/index.js';
import { badRequest } from '../errors.js';
import type { Stripe } from '../infra/stripe.js';

export interface ChangeTarget {
  price: Stripe.Price;
  quantity: number;
  /** The subscription's one item, as Stripe has it now. */
  item: Stripe.SubscriptionItem;
  /** True when the new plan costs less per day than the current one: a downgrade. */
  downgrade: boolean;
}

const productOf = (price: Stripe.Price): string => (typeof price.product === 'string' ? price.product : price.product.id);

const daysPerInterval: Record<string, number> = { day: 1, week: 7, month: 30.436875, year: 365.2425 };

/** What a price and quantity cost per day, in the price's minor units (comparable between intervals of one currency). */
function dailyCost(price: Stripe.Price, quantity: number): number {
  const days = daysPerInterval[price.recurring?.interval ?? 'month'] ?? 30.436875;
  return ((price.unit_amount ?? 0) * quantity) / (days * (price.recurring?.interval_count ?? 1));
}

/**
 * The price and quantity a change moves to. The price is resolved in Stripe (active, recurring),
 * must be sold by the catalog (a plan of the catalog file matches it, or its product carries Stripe
 * features): else a 400 `unknown_plan` naming it; and be in the subscription's currency (else a
 * 400 `currency_mismatch`). The quantity (default: the current one) must lie
 * within the plan's `quantity` limits: else a 400 `quantity_out_of_range` naming them.
 */
export async function changeTarget(context: Context, subscription: Stripe.Subscription, request: { price?: string | undefined; lookup_key?: string | undefined; quantity?: number | undefined }): Promise<ChangeTarget> {
  const price = await resolvePrice(context.stripe, request);
  const named = request.price !== undefined ? `price ${request.price}` : `lookup_key ${request.lookup_key ?? ''}`;
  const param = request.price !== undefined ? 'price' : 'lookup_key';
  const [item] = subscription.items.data as [Stripe.SubscriptionItem];
  const quantity = request.quantity ?? item.quantity ?? 1;
  const state: ItemState = { id: item.id, priceId: price.id, productId: productOf(price), lookupKey: price.lookup_key ?? null, quantity, currentPeriodEnd: null };
  if (item.price.currency !== price.currency) throw badRequest('currency_mismatch', `${named} is priced in ${price.currency}, the subscription in ${item.price.currency}`, { param });
  const plans = context.catalogFile.plans;
  const inFile = plans.some((plan) => planMatchesItem(plan.match, state));
  const withFeatures = inFile || await context.db('catalog_products').where({ id: state.productId, deleted: false }).whereRaw('cardinality(features) > 0').first('id');
  if (!withFeatures) throw badRequest('unknown_plan', `${named} is not a plan of the catalog`, { param });
  const { min, max } = quantityLimits(plans, state);
  if ((min !== undefined && quantity < min) || (max !== undefined && quantity > max)) {
    throw badRequest('quantity_out_of_range', `quantity ${quantity} is outside the plan's limits (${min ?? 1}–${max ?? 'no maximum'})`, { param: 'quantity', min: min ?? null, max: max ?? null });
  }
  const downgrade = dailyCost(price, quantity) < dailyCost(item.price, item.quantity ?? 1);
  return { price, quantity, item, downgrade };
}
