import type { Context } from '../context.js';
import { requireRefKind } from '../entitlements/read.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { Stripe } from '../infra/stripe.js';
import { isStripeNotFound } from '../infra/stripe-errors.js';

const live = ['active', 'trialing', 'past_due'];

/**
 * The subscription a plan change is about, fetched from Stripe now (the mirror may lag a webhook):
 * the one named by `subscription` (it must belong to the customer), else the customer's only live
 * one. A customer unknown here is a 404; with no live subscription a 404 `no_subscription` (start a
 * checkout); with several and none named a 409 `subscription_ambiguous` listing them. Only
 * single-item subscriptions are changed here (the portal handles the rest). With user tokens, only
 * for the user the token names.
 */
/** Checks the customer's app user may be acted for (the user token's subject); throws when not. */
export type AuthorizeUser = (userId: string | null) => void;

export async function currentSubscription(context: Context, ref: string, named: string | undefined, authorize: AuthorizeUser): Promise<{ stripeCustomerId: string; subscription: Stripe.Subscription }> {
  const kind = requireRefKind(ref);
  const customer = await context.db('customers').where({ [kind]: ref }).whereNotNull('stripe_customer_id').first<{ id: string; stripe_customer_id: string; user_id: string | null } | undefined>('id', 'stripe_customer_id', 'user_id');
  if (!customer) throw notFound('customer_not_found', `${kind === 'user_id' ? 'user' : 'customer'} ${ref} has no billing customer here; start a checkout first`);
  authorize(customer.user_id);
  const candidates = await context.db('subscriptions').where({ customer_id: customer.id }).whereIn('status', live).orderBy('id').pluck<string[]>('id');
  if (named === undefined && candidates.length > 1) {
    throw conflict('subscription_ambiguous', `customer ${ref} has ${candidates.length} live subscriptions (${candidates.join(', ')}); name one in "subscription"`, { subscriptions: candidates });
  }
  const id = named ?? candidates[0];
  if (id === undefined) throw notFound('no_subscription', `customer ${ref} has no live subscription to change; start a checkout first`);
  const subscription = await context.stripe.subscriptions.retrieve(id).catch((error: unknown) => {
    if (isStripeNotFound(error)) return undefined;
    throw error;
  });
  const owner = subscription && (typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id);
  if (!subscription || owner !== customer.stripe_customer_id) throw notFound('no_subscription', `subscription ${id} is not a subscription of customer ${ref}`);
  if (subscription.items.data.length !== 1) throw badRequest('multi_item_subscription', `subscription ${id} has ${subscription.items.data.length} items; change it in the customer portal`, { param: 'subscription' });
  return { stripeCustomerId: customer.stripe_customer_id, subscription };
}
