import type { DriftKind } from '../../shared/reconcile/runs.js';
import type { Stripe } from '../../shared/infra/stripe.js';

export interface LocalSubscription {
  id: string;
  status: string;
  cancel_at_period_end: boolean;
  latest_invoice_id: string | null;
  latest_invoice_status: string | null;
  synced_at: Date;
}

export interface LocalItem { id: string; subscription_id: string; price_id: string; quantity: number; current_period_end: Date | null }

const seconds = (date: Date | null): number | null => (date ? Math.floor(date.getTime() / 1000) : null);
const idOf = (value: string | { id: string } | null): string | null => (value === null ? null : typeof value === 'string' ? value : value.id);

function itemKeys(items: readonly { id: string; price: string; quantity: number; periodEnd: number | null }[]): string {
  return items.map((item) => `${item.id}|${item.price}|${item.quantity}|${item.periodEnd ?? ''}`).sort().join(',');
}

/**
 * How one subscription listed by Stripe differs from the mirror, or `undefined` when it does not
 * (pure). One kind per subscription, the first that applies:
 * - `missing_locally`: the mirror has no row;
 * - `status_differs`: status, `cancel_at_period_end` or the latest invoice differ (its id; its status
 *   too when the list expanded it) — with the items, everything the listed object shows that decides access;
 * - `items_differ`: the items' ids, prices, quantities or period ends differ.
 * A row written by a fetch that started after this page was fetched is newer than the page: no drift.
 */
export function classifyDrift(subscription: Stripe.Subscription, local: LocalSubscription | undefined, localItems: readonly LocalItem[], pageFetchedAt: Date): DriftKind | undefined {
  if (!local) return 'missing_locally';
  if (local.synced_at.getTime() >= pageFetchedAt.getTime()) return undefined;
  const invoice = subscription.latest_invoice;
  const invoiceStatus = invoice && typeof invoice !== 'string' ? (invoice.status ?? null) : local.latest_invoice_status;
  if (local.status !== subscription.status || local.cancel_at_period_end !== subscription.cancel_at_period_end
    || local.latest_invoice_id !== idOf(invoice) || local.latest_invoice_status !== invoiceStatus) return 'status_differs';
  // A subscription with more items than its embedded list holds is compared on what the list shows.
  if (subscription.items.has_more) return undefined;
  const remote = itemKeys(subscription.items.data.map((item) => ({ id: item.id, price: item.price.id, quantity: item.quantity ?? 1, periodEnd: item.current_period_end })));
  const mirrored = itemKeys(localItems.map((item) => ({ id: item.id, price: item.price_id, quantity: item.quantity, periodEnd: seconds(item.current_period_end) })));
  return remote === mirrored ? undefined : 'items_differ';
}
