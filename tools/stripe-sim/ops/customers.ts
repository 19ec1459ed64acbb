import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { buildCustomer, type CustomerInput } from '../objects/customer.js';
import { idOf } from '../id-of.js';
import { liveCustomer } from './lookup.js';
import { cancelSubscription } from './subscriptions.js';
import { changedFields } from './subscription-update.js';

export function createCustomer(ctx: SimContext, input: CustomerInput): Stripe.Customer {
  const customer = buildCustomer(ctx, input);
  ctx.store.customers.set(customer.id, customer);
  ctx.events.emit('customer.created', customer);
  return customer;
}

export type CustomerPatch = Partial<Pick<Stripe.Customer, 'email' | 'name' | 'description' | 'phone' | 'metadata'>> & {
  default_payment_method?: string | null;
};

export function updateCustomer(ctx: SimContext, id: string, patch: CustomerPatch): Stripe.Customer {
  const customer = liveCustomer(ctx, id, 'id');
  const before = structuredClone(customer);
  const { default_payment_method: method, ...fields } = patch;
  Object.assign(customer, fields);
  if (method !== undefined) customer.invoice_settings = { ...customer.invoice_settings, default_payment_method: method };
  const previous = changedFields(before, customer);
  if (Object.keys(previous).length > 0) ctx.events.emit('customer.updated', customer, previous);
  return customer;
}

/** Deletes a customer; like Stripe, their live subscriptions are canceled first. */
export function deleteCustomer(ctx: SimContext, id: string): Stripe.DeletedCustomer {
  const customer = liveCustomer(ctx, id, 'id');
  for (const subscription of ctx.store.subscriptions.values()) {
    if (idOf(subscription.customer) === id && subscription.status !== 'canceled') cancelSubscription(ctx, subscription.id);
  }
  const deleted: Stripe.DeletedCustomer = { id, object: 'customer', deleted: true };
  ctx.store.customers.set(id, deleted);
  ctx.events.emit('customer.deleted', customer);
  return deleted;
}
