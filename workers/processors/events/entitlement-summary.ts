import type { Context } from '../../../shared/context.js';
import type { Stripe } from '../../../shared/infra/stripe.js';
import { isStripeNotFound } from '../../../shared/infra/stripe-errors.js';
import type { FamilyProcessor } from './decision.js';
import { syncCustomerOf } from './decision.js';

/** Stripe's own list of a customer's active features, as kept on the customer row. */
export interface SummaryChange { stripeCustomerId: string; lookupKeys: string[] }

/** The stored list: the active entitlements' lookup keys, sorted (so an equal list is an equal value). */
export function decideSummary(stripeCustomerId: string, active: readonly Pick<Stripe.Entitlements.ActiveEntitlement, 'lookup_key'>[]): SummaryChange {
  return { stripeCustomerId, lookupKeys: active.map((entry) => entry.lookup_key).sort() };
}

/** The customer's active entitlements now; a customer deleted since has none (Stripe answers 404 for it; its sync marks it deleted). */
async function loadActive(context: Pick<Context, 'stripe'>, stripeCustomerId: string): Promise<Stripe.Entitlements.ActiveEntitlement[]> {
  return context.stripe.entitlements.activeEntitlements
    .list({ customer: stripeCustomerId, limit: 100 })
    .autoPagingToArray({ limit: 1000 })
    .catch((error: unknown) => {
      if (isStripeNotFound(error)) return [];
      throw error;
    });
}

/**
 * `entitlements.active_entitlement_summary.updated`: Stripe's own view of the customer's active
 * features is kept on the customer (for inspection). The event is a hint like any other: the
 * current list is fetched, so a late or reordered summary never stores an old list. Entitlements
 * are derived from the synced subscriptions and product features like any other change.
 */
export const entitlementSummaryEvents: FamilyProcessor = async (context, object) => {
  const decision = syncCustomerOf(object.customer, 'summary without customer');
  if (decision.kind !== 'sync-customer') return decision;
  const { stripeCustomerId, lookupKeys } = decideSummary(decision.stripeCustomerId, await loadActive(context, decision.stripeCustomerId));
  // Upsert: the summary may be the first event seen for this customer, before any sync created its row.
  await context.db('customers')
    .insert({ stripe_customer_id: stripeCustomerId, stripe_active_entitlements: lookupKeys })
    .onConflict('stripe_customer_id')
    .merge({ stripe_active_entitlements: lookupKeys, updated_at: context.db.fn.now() });
  return decision;
};
