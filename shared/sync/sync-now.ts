import type { Context } from '../context.js';
import type { RecomputeCause } from '../entitlements/recompute.js';
import type { RefKind } from '../entitlements/read.js';
import type { CustomerRef, StoredEntitlement } from '../entitlements/stored-entitlement.js';
import { AppError, notFound } from '../errors.js';
import { syncCustomer, type SyncResult } from './sync-customer.js';

export interface SyncNowResult { customer: CustomerRef; entitlements: StoredEntitlement[]; version: number; changed: boolean }

/** Syncs of this process in flight, by Stripe customer: concurrent requests for one customer share one Stripe round. */
const inFlightByContext = new WeakMap<Context, Map<string, Promise<SyncResult>>>();

function sharedSync(context: Context, stripeCustomerId: string, cause: RecomputeCause): Promise<SyncResult> {
  let inFlight = inFlightByContext.get(context);
  if (!inFlight) inFlightByContext.set(context, inFlight = new Map<string, Promise<SyncResult>>());
  const running = inFlight.get(stripeCustomerId);
  if (running) return running;
  const sync = syncCustomer(context, stripeCustomerId, cause).finally(() => inFlight.delete(stripeCustomerId));
  // A sync that ends after every caller's deadline must not surface as an unhandled rejection.
  sync.catch(() => undefined);
  inFlight.set(stripeCustomerId, sync);
  return sync;
}

/**
 * The sync an app asks for on its checkout success page: the customer's current state fetched
 * from Stripe now and converged through the pipeline's own per-customer sync (compare-and-set,
 * so a webhook-driven sync running at the same time is harmless), answered within `timeoutMs`.
 * Only customers this service knows are synced: a write key reaches this app's customers, not
 * every customer of the Stripe account. Past the deadline the answer is a 504; the sync itself
 * goes on and its result lands like any other. Requests for a customer whose sync is already
 * running in this process wait for that sync instead of starting another.
 */
export async function syncNow(context: Context, ref: string, kind: RefKind, cause: RecomputeCause, timeoutMs: number): Promise<SyncNowResult> {
  const known = await context.db('customers').where({ [kind]: ref }).whereNotNull('stripe_customer_id')
    .first<{ stripe_customer_id: string } | undefined>('stripe_customer_id');
  if (!known) throw notFound('customer_not_found', `${kind === 'user_id' ? 'user' : 'customer'} ${ref} has no billing customer here; start a checkout first`);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new AppError(504, 'unavailable', 'sync_timeout',
      `Stripe did not answer within ${timeoutMs} ms; the sync goes on and the webhook pipeline converges the customer`)), timeoutMs);
  });
  const sync = sharedSync(context, known.stripe_customer_id, cause);
  try {
    const { customer, entitlements, version, changed } = await Promise.race([sync, deadline]);
    return { customer, entitlements, version, changed };
  } finally {
    clearTimeout(timer);
  }
}
