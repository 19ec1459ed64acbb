import { isStripeNotFound } from '../../../shared/stripe-errors.js';
import type { FamilyProcessor } from './decision.js';
import { syncCustomerOf } from './decision.js';

/**
 * `entitlements.active_entitlement_summary.updated`: Stripe's own view of the customer's active
 * features is kept on the customer (for inspection). The event is a hint like any other: the
 * current list is fetched, so a late or reordered summary never stores an old list. Entitlements
 * are derived from the synced subscriptions and product features like any other change.
 */
export const entitlementSummaryEvents: FamilyProcessor = async (context, object) => {
  const decision = syncCustomerOf(object.customer, 'summary without customer');
  if (decision.kind !== 'sync-customer') return decision;
  // A customer deleted since has no active entitlements (Stripe answers 404 for it); its sync marks it deleted.
  const active = await context.stripe.entitlements.activeEntitlements
    .list({ customer: decision.stripeCustomerId, limit: 100 })
    .autoPagingToArray({ limit: 1000 })
    .catch((error: unknown) => {
      if (isStripeNotFound(error)) return [];
      throw error;
    });
  const lookupKeys = active.map((entry) => entry.lookup_key).sort();
  // Upsert: the summary may be the first event seen for this customer, before any sync created its row.
  await context.db('customers')
    .insert({ stripe_customer_id: decision.stripeCustomerId, stripe_active_entitlements: lookupKeys })
    .onConflict('stripe_customer_id')
    .merge({ stripe_active_entitlements: lookupKeys, updated_at: context.db.fn.now() });
  return decision;
};
