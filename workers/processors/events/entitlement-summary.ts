import type { FamilyProcessor } from './decision.js';
import { syncCustomerOf } from './decision.js';

interface SummaryEntitlement { lookup_key?: unknown }

/**
 * `entitlements.active_entitlement_summary.updated`: Stripe's own view of the customer's active
 * features is kept on the customer (for inspection); entitlements are derived from the synced
 * subscriptions and product features like any other change.
 */
export const entitlementSummaryEvents: FamilyProcessor = async (context, object) => {
  const decision = syncCustomerOf(object.customer, 'summary without customer');
  if (decision.kind !== 'sync-customer') return decision;
  const list = (object.entitlements as { data?: SummaryEntitlement[] } | undefined)?.data ?? [];
  const lookupKeys = list.map((entry) => entry.lookup_key).filter((key): key is string => typeof key === 'string').sort();
  // Upsert: the summary may be the first event seen for this customer, before any sync created its row.
  await context.db('customers')
    .insert({ stripe_customer_id: decision.stripeCustomerId, stripe_active_entitlements: lookupKeys })
    .onConflict('stripe_customer_id')
    .merge({ stripe_active_entitlements: lookupKeys, updated_at: context.db.fn.now() });
  return decision;
};
