import type { Knex } from 'knex';
import type { CustomerState, SubscriptionStatus } from '../domain/index.js';

interface SubscriptionRow {
  id: string; status: SubscriptionStatus; cancel_at_period_end: boolean; past_due_since: Date | null; latest_invoice_refunded: boolean;
}
interface ItemRow {
  id: string; subscription_id: string; price_id: string; product_id: string; lookup_key: string | null; quantity: number; current_period_end: Date | null;
}
interface GrantRow { id: string; feature: string; value: true | number; expires_at: Date | null; revoked_at: Date | null }

/** Everything the entitlement function needs about one customer, read in three queries. */
export async function loadCustomerState(db: Knex | Knex.Transaction, customerId: string): Promise<{ state: CustomerState; productIds: string[] }> {
  // Sequential on purpose: inside a transaction all three share one connection.
  const subscriptions = await db('subscriptions').select<SubscriptionRow[]>('id', 'status', 'cancel_at_period_end', 'past_due_since', 'latest_invoice_refunded').where({ customer_id: customerId });
  const items = await db('subscription_items as i')
      .join('subscriptions as s', 's.id', 'i.subscription_id')
      .where('s.customer_id', customerId)
      .select<ItemRow[]>('i.id', 'i.subscription_id', 'i.price_id', 'i.product_id', 'i.lookup_key', 'i.quantity', 'i.current_period_end');
  const grants = await db('grants').select<GrantRow[]>('id', 'feature', 'value', 'expires_at', 'revoked_at').where({ customer_id: customerId }).whereNull('revoked_at');
  const state: CustomerState = {
    subscriptions: subscriptions.map((sub) => ({
      id: sub.id,
      status: sub.status,
      cancelAtPeriodEnd: sub.cancel_at_period_end,
      pastDueSince: sub.past_due_since,
      latestInvoiceRefunded: sub.latest_invoice_refunded,
      items: items.filter((item) => item.subscription_id === sub.id).map((item) => ({
        id: item.id,
        priceId: item.price_id,
        productId: item.product_id,
        lookupKey: item.lookup_key,
        quantity: item.quantity,
        currentPeriodEnd: item.current_period_end,
      })),
    })),
    grants: grants.map((grant) => ({ id: grant.id, feature: grant.feature, value: grant.value, expiresAt: grant.expires_at, revokedAt: grant.revoked_at })),
  };
  return { state, productIds: items.map((item) => item.product_id) };
}
