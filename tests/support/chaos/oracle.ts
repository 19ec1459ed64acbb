import type Stripe from 'stripe';
import { computeEntitlements, type AccessPolicy, type Catalog, type CatalogPlan, type CustomerState, type DisputeStatus, type SubscriptionState, type SubscriptionStatus } from '../../../shared/domain/index.js';
import { toStored, type StoredEntitlement } from '../../../shared/entitlements/stored-entitlement.js';
import type { SimStore } from '../../../tools/stripe-sim/store.js';

const idOf = (value: string | { id: string } | null | undefined): string | null => (value == null ? null : typeof value === 'string' ? value : value.id);
const date = (seconds: number): Date => new Date(seconds * 1000);
const statuses = new Set<string>(['active', 'trialing', 'past_due', 'canceled', 'unpaid', 'incomplete', 'incomplete_expired', 'paused'] satisfies SubscriptionStatus[]);

function statusOf(sub: Stripe.Subscription): SubscriptionStatus {
  if (!statuses.has(sub.status)) throw new Error(`subscription ${sub.id} has a status the policy does not know: ${sub.status}`);
  return sub.status as SubscriptionStatus;
}

/** The catalog as Stripe has it now: the operator's file plus every product's attached features. */
export function simCatalog(store: SimStore, plans: CatalogPlan[]): Catalog {
  const productFeatures: Record<string, string[]> = {};
  for (const { product, feature } of store.productFeatures.values()) {
    if (!store.products.has(product)) continue;
    (productFeatures[product] ??= []).push(feature.entitlement_feature.lookup_key);
  }
  return { plans, productFeatures };
}

/** Policy: the latest invoice was paid, and every charge that paid it is fully refunded. */
function latestInvoiceRefunded(store: SimStore, sub: Stripe.Subscription): boolean {
  const invoice = store.invoices.get(idOf(sub.latest_invoice) ?? '');
  if (invoice?.status !== 'paid') return false;
  const payments = [...store.invoicePayments.values()].filter((payment) => payment.invoice === invoice.id && payment.status === 'paid');
  if (payments.length === 0) return false;
  return payments.every((payment) => {
    const intent = idOf(payment.payment.payment_intent);
    return [...store.charges.values()].some((charge) => idOf(charge.payment_intent) === intent && charge.status === 'succeeded' && charge.refunded);
  });
}

/** Policy input: the latest dispute on a charge that paid the latest invoice (an open or lost one outranks one settled in favour). */
function latestInvoiceDispute(store: SimStore, sub: Stripe.Subscription): DisputeStatus | null {
  const invoice = store.invoices.get(idOf(sub.latest_invoice) ?? '');
  if (invoice?.status !== 'paid') return null;
  const intents = new Set([...store.invoicePayments.values()].filter((payment) => payment.invoice === invoice.id && payment.status === 'paid').map((payment) => idOf(payment.payment.payment_intent)));
  const charges = new Set([...store.charges.values()].filter((charge) => intents.has(idOf(charge.payment_intent))).map((charge) => charge.id));
  const latest = new Map<string, Stripe.Dispute>();
  for (const dispute of store.disputes.values()) {
    const charge = idOf(dispute.charge) ?? '';
    const known = latest.get(charge);
    if (charges.has(charge) && (!known || dispute.created >= known.created)) latest.set(charge, dispute);
  }
  const statuses = [...latest.values()].map((dispute) => dispute.status as DisputeStatus);
  return statuses.find((status) => !['won', 'warning_closed', 'prevented'].includes(status)) ?? statuses[0] ?? null;
}

/** One subscription as the entitlement function takes it; what Stripe's object cannot say comes from the caller. */
export function subscriptionState(sub: Stripe.Subscription, known: Pick<SubscriptionState, 'pastDueSince' | 'latestInvoiceRefunded' | 'latestInvoiceDispute'>): SubscriptionState {
  return {
    id: sub.id,
    status: statusOf(sub),
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    ...known,
    items: sub.items.data.map((item) => ({
      id: item.id,
      priceId: item.price.id,
      productId: idOf(item.price.product) ?? '',
      lookupKey: item.price.lookup_key ?? null,
      quantity: item.quantity ?? 1,
      currentPeriodEnd: date(item.current_period_end),
    })),
  };
}

/**
 * One customer's state as the entitlement function takes it, read from the simulator's own
 * objects. The service notes when it first saw a subscription past due; the simulator cannot know
 * that instant, so the caller passes the bound to assume (`pastDueSince`).
 */
export function simCustomerState(store: SimStore, customer: string, pastDueSince: Date): CustomerState {
  const subscriptions: SubscriptionState[] = [...store.subscriptions.values()]
    .filter((sub) => idOf(sub.customer) === customer)
    .map((sub) => subscriptionState(sub, {
      pastDueSince: sub.status === 'past_due' ? pastDueSince : null,
      latestInvoiceRefunded: latestInvoiceRefunded(store, sub),
      latestInvoiceDispute: latestInvoiceDispute(store, sub),
    }));
  return { subscriptions, grants: [] };
}

export interface Expected {
  /** With past-due grace counted from the earliest and from the latest instant the service may have seen it. */
  earliest: StoredEntitlement[];
  latest: StoredEntitlement[];
}

/** The oracle: what `computeEntitlements` says this customer should have, from Stripe's (the simulator's) truth. */
export function expectedEntitlements(store: SimStore, customer: string, catalog: Catalog, policy: AccessPolicy, bounds: { from: Date; to: Date }, now: Date): Expected {
  const at = (since: Date) => computeEntitlements(simCustomerState(store, customer, since), catalog, policy, now).entitlements.map(toStored);
  return { earliest: at(bounds.from), latest: at(bounds.to) };
}

/** Sources as one comparable string (stored JSON comes back from jsonb with its keys reordered). */
const sourceKey = (entry: StoredEntitlement): string => entry.sources.map((source) => `${source.kind}:${source.id}`).join(',');

/**
 * Whether the service's stored entitlements match the oracle: the same features, values and sources,
 * and each expiry between the two bounds (they differ only for past-due grace; otherwise equal).
 */
export function matchesExpected(actual: readonly StoredEntitlement[], expected: Expected): boolean {
  const { earliest, latest } = expected;
  if (actual.length !== earliest.length || actual.length !== latest.length) return false;
  return actual.every((entry, i) => {
    const low = earliest[i];
    const high = latest[i];
    const same = (other: StoredEntitlement) => other.feature === entry.feature && other.value === entry.value && sourceKey(other) === sourceKey(entry);
    if (!same(low) || !same(high)) return false;
    if (low.expires_at === null || high.expires_at === null || entry.expires_at === null) {
      return low.expires_at === entry.expires_at && high.expires_at === entry.expires_at;
    }
    const t = Date.parse(entry.expires_at);
    return Date.parse(low.expires_at) <= t && t <= Date.parse(high.expires_at);
  });
}

export interface PolicyCoverage {
  /** Customers the oracle entitles to something, and customers it entitles to nothing. */
  entitled: number;
  notEntitled: number;
  /** Live subscriptions on each policy path at the end of the run. */
  pastDue: number;
  cancelingAtPeriodEnd: number;
  deniedByFullRefund: number;
  perSeat: number;
}

/** Which policy paths the final state exercises: proof the comparison is not a vacuous one. */
export function policyCoverage(store: SimStore, expected: readonly StoredEntitlement[][]): PolicyCoverage {
  const live = [...store.subscriptions.values()].filter((sub) => ['active', 'trialing', 'past_due'].includes(sub.status));
  return {
    entitled: expected.filter((entitlements) => entitlements.length > 0).length,
    notEntitled: expected.filter((entitlements) => entitlements.length === 0).length,
    pastDue: live.filter((sub) => sub.status === 'past_due').length,
    cancelingAtPeriodEnd: live.filter((sub) => sub.cancel_at_period_end).length,
    deniedByFullRefund: live.filter((sub) => latestInvoiceRefunded(store, sub)).length,
    perSeat: live.filter((sub) => sub.items.data.some((item) => item.price.lookup_key === 'team_monthly')).length,
  };
}
