import type { Context } from '../context.js';
import { afterEntitlementsStored } from '../notify/announce.js';
import { recomputeInTransaction, type RecomputeCause } from '../entitlements/recompute.js';
import type { CustomerRef, StoredEntitlement } from '../entitlements/stored-entitlement.js';
import { fetchCustomer } from './fetch-customer.js';
import { writeSnapshot } from './write-snapshot.js';

export interface SyncResult {
  /** The local customer row as this sync left it. */
  customer: CustomerRef;
  changed: boolean;
  entitlements: StoredEntitlement[];
  /** The customer's entitlement version after this sync. */
  version: number;
  /** Inbox events this sync made processed (received before the fetch started). */
  processedEvents: number;
}

/**
 * The one path from Stripe's truth to local state, used by webhook events, the sync endpoint and
 * reconciliation: fetch the customer's current state, write it compare-and-set, recompute
 * entitlements (audited), mark the customer's queued events processed — one transaction — then
 * invalidate the cache.
 */
export async function syncCustomer(context: Context, stripeCustomerId: string, cause: RecomputeCause & { linkUserId?: string }): Promise<SyncResult> {
  const snapshot = await fetchCustomer(context.stripe, stripeCustomerId);
  const { result, customer } = await context.db.transaction(async (trx) => {
    const customer = await writeSnapshot(trx, snapshot, cause.linkUserId);
    // Every event of this customer received before the fetch started is reflected in what is written here.
    const result = await recomputeInTransaction(trx, context, customer, cause, new Date(), { stripeCustomerId, fetchStartedAt: snapshot.fetchStartedAt });
    return { result, customer };
  });
  await afterEntitlementsStored(context, [result]);
  const now = Date.now();
  for (const event of result.processedEvents) {
    if (event.stripeCreated) context.metrics.eventLag.observe({ type: event.type }, Math.max(0, (now - event.stripeCreated.getTime()) / 1000));
  }
  return { customer, changed: result.changed, entitlements: result.entitlements, version: result.version, processedEvents: result.processedEvents.length };
}
