import type { Context } from '../context.js';
import { preparedStatement, type Db } from '../infra/db.js';
import { meteredPolicy, periodAt, type BillingPeriod, type MeteredFeature, type UsagePeriod } from '../domain/index.js';
import type { EntitlementCache } from '../entitlements/cache.js';
import type { PreparedView } from '../entitlements/read.js';
import { badRequest, notFound } from '../errors.js';
import type { BalanceSlot, BalanceStore } from './balance-store.js';
import type { LedgerWriter } from './ledger-writer.js';

/** What the usage operations of one process share. */
export interface UsageDeps {
  context: Context;
  cache: EntitlementCache;
  store: BalanceStore;
  writer: LedgerWriter;
}

/** One customer's balance of one metered feature, as of a request. */
export interface UsageTarget {
  customerId: string;
  feature: string;
  policy: MeteredFeature;
  /** The entitlement value now (null: unlimited, 0 when the customer has none). */
  allowance: number | null;
  period: UsagePeriod;
  slot: BalanceSlot;
}

/** The feature's metering policy; a feature the catalog does not meter is a 400 naming it. */
export function requireMetered(context: Pick<Context, 'catalogFile'>, feature: string): MeteredFeature {
  const policy = meteredPolicy(context.catalogFile.features, feature);
  if (!policy) throw badRequest('feature_not_metered', `feature: ${feature} is not a metered feature of the catalog`, { param: 'feature' });
  return policy;
}

const billingPeriodQuery = preparedStatement<{ start: Date; end: Date }, { customerId: string }>('usage-billing-period', `
  select i.current_period_start as start, i.current_period_end as end
    from subscription_items i join subscriptions s on s.id = i.subscription_id
   where s.customer_id = :customerId and s.status in ('active', 'trialing', 'past_due')
     and i.current_period_start is not null and i.current_period_end is not null
   order by i.current_period_start desc, i.id limit 1`);

/** The customer's current billing period: that of its newest subscription item with access; null without one. */
export async function billingPeriod(db: Db, customerId: string): Promise<BillingPeriod | null> {
  const [row] = await billingPeriodQuery(db, { customerId });
  return row ?? null;
}

/**
 * The billing period read beside one cached entitlement view, kept as long as that view: every
 * sync of the customer (a renewal, a plan change) recomputes its entitlements and invalidates the
 * view, so the next request gets a new view and reads the period again. A consume on a warm cache
 * then costs no Postgres read before its ledger row.
 */
const periodsByView = new WeakMap<PreparedView, Promise<BillingPeriod | null>>();

function billingPeriodOfView(db: Db, prepared: PreparedView, customerId: string): Promise<BillingPeriod | null> {
  let period = periodsByView.get(prepared);
  if (!period) {
    period = billingPeriod(db, customerId);
    periodsByView.set(prepared, period);
    // A failed read is not kept: the next request asks again.
    period.catch(() => periodsByView.delete(prepared));
  }
  return period;
}

export const periodKey = (period: UsagePeriod) => `${period.start.toISOString()}/${period.end?.toISOString() ?? ''}`;

/**
 * Resolves a customer reference and a feature: the policy (400 when not metered), the customer and
 * its allowance from the entitlement cache (404 when unknown), and the period `now` falls in (one
 * indexed query for billing periods, none for calendar ones). A new period is noticed here, so a
 * renewal resets the balance on the next request, with no job to run.
 */
export async function resolveTarget(deps: UsageDeps, ref: string, feature: string, now: Date): Promise<UsageTarget> {
  const policy = requireMetered(deps.context, feature);
  const prepared = await deps.cache.get(ref);
  const customer = prepared.view.customer;
  if (!customer) throw notFound('customer_not_found', `no customer ${ref}`);
  const value = prepared.byFeature.get(feature)?.value;
  const allowance = value === undefined ? 0 : value === true ? null : Math.floor(value);
  const period = periodAt(policy.reset, now, policy.reset === 'billing_period' ? await billingPeriodOfView(deps.context.db, prepared, customer.id) : null);
  return { customerId: customer.id, feature, policy, allowance, period, slot: { customerId: customer.id, feature, periodKey: periodKey(period) } };
}

/** The reference the entitlement cache knows a customer by. */
export async function refOfCustomer(db: Db, customerId: string): Promise<string> {
  const row = await db('customers').where({ id: customerId }).first<{ stripe_customer_id: string | null; user_id: string | null } | undefined>('stripe_customer_id', 'user_id');
  const ref = row?.stripe_customer_id ?? row?.user_id;
  if (!ref) throw notFound('customer_not_found', `no customer ${customerId}`);
  return ref;
}
