import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { resourceMissing } from '../errors.js';
import { idOf } from '../id-of.js';

/** `map.get(id)` or Stripe's 404 `No such <noun>: '<id>'`. */
export function mustGet<T>(map: Map<string, T>, id: string, noun: string, param = 'id'): T {
  const found = map.get(id);
  if (found === undefined) throw resourceMissing(noun, id, param);
  return found;
}

/** A live (not deleted) customer. */
export function liveCustomer(ctx: SimContext, id: string, param = 'customer'): Stripe.Customer {
  const customer = mustGet(ctx.store.customers, id, 'customer', param);
  if (customer.deleted === true) throw resourceMissing('customer', id, param);
  return customer;
}

/** The subscription an invoice belongs to, through `parent.subscription_details` (API ≥ 2025-03-31). */
export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  return idOf(invoice.parent?.subscription_details?.subscription);
}

export function productIdOf(price: Stripe.Price): string {
  return typeof price.product === 'string' ? price.product : price.product.id;
}
