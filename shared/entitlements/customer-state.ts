import { preparedStatement, type Db } from '../infra/db.js';
import type { Catalog, CatalogFile, CustomerState, DisputeStatus, SubscriptionStatus } from '../domain/index.js';

interface SubscriptionRow {
  id: string; status: SubscriptionStatus; cancel_at_period_end: boolean; past_due_since: string | null; latest_invoice_refunded: boolean;
  latest_invoice_dispute_status: DisputeStatus | null;
}
interface ItemRow {
  id: string; subscription_id: string; price_id: string; product_id: string; lookup_key: string | null; quantity: number; current_period_end: string | null;
}
interface GrantRow { id: string; feature: string; value: true | number; expires_at: string | null; revoked_at: string | null }
interface ProductRow { id: string; features: string[] }
interface InputsRow { subscriptions: SubscriptionRow[]; items: ItemRow[]; grants: GrantRow[]; products: ProductRow[] }

const customerItems = `select i.* from subscription_items i join subscriptions s on s.id = i.subscription_id where s.customer_id = :customerId`;

/**
 * Everything the entitlement function needs about one customer in one round trip: its
 * subscriptions with their items, its live grants, and the Stripe features of the products it
 * subscribes to (each part a JSON array, so one statement carries them all).
 */
const inputsQuery = preparedStatement<InputsRow>('entitlement-inputs', `
  select
    (select coalesce(json_agg(s), '[]') from (
       select id, status, cancel_at_period_end, past_due_since, latest_invoice_refunded, latest_invoice_dispute_status from subscriptions where customer_id = :customerId) s) as subscriptions,
    (select coalesce(json_agg(i), '[]') from (
       select id, subscription_id, price_id, product_id, lookup_key, quantity, current_period_end from (${customerItems}) i) i) as items,
    (select coalesce(json_agg(g), '[]') from (
       select id, feature, value, expires_at, revoked_at from grants where customer_id = :customerId and revoked_at is null) g) as grants,
    (select coalesce(json_agg(p), '[]') from (
       select id, features from catalog_products
        where deleted = false and cardinality(features) > 0 and id in (select product_id from (${customerItems}) i)) p) as products`);

const toDate = (value: string | null): Date | null => (value === null ? null : new Date(value));

/** The customer's state and the catalog that applies to it: what `computeEntitlements` takes. */
export async function loadEntitlementInputs(db: Db, file: CatalogFile, customerId: string): Promise<{ state: CustomerState; catalog: Catalog }> {
  const [row] = await inputsQuery(db, { customerId });
  const { subscriptions, items, grants, products } = row ?? { subscriptions: [], items: [], grants: [], products: [] };
  const state: CustomerState = {
    subscriptions: subscriptions.map((sub) => ({
      id: sub.id,
      status: sub.status,
      cancelAtPeriodEnd: sub.cancel_at_period_end,
      pastDueSince: toDate(sub.past_due_since),
      latestInvoiceRefunded: sub.latest_invoice_refunded,
      latestInvoiceDispute: sub.latest_invoice_dispute_status,
      items: items.filter((item) => item.subscription_id === sub.id).map((item) => ({
        id: item.id,
        priceId: item.price_id,
        productId: item.product_id,
        lookupKey: item.lookup_key,
        quantity: item.quantity,
        currentPeriodEnd: toDate(item.current_period_end),
      })),
    })),
    grants: grants.map((grant) => ({ id: grant.id, feature: grant.feature, value: grant.value, expiresAt: toDate(grant.expires_at), revokedAt: toDate(grant.revoked_at) })),
  };
  const productFeatures: Record<string, string[]> = {};
  for (const product of products) productFeatures[product.id] = product.features;
  return { state, catalog: { plans: file.plans, productFeatures } };
}
