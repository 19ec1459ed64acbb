import type { FamilyProcessor } from './decision.js';
import { idOf, syncCustomerOf } from './decision.js';
import { flushMeterUsage } from '../../../shared/meters/export-jobs.js';

const secondsOf = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** `customer.*`: the object is the customer. */
export const customerEvents: FamilyProcessor = (_context, object) => Promise.resolve(syncCustomerOf(object.id, 'customer event without id'));

/**
 * `customer.subscription.*`: whatever the change, the customer's current subscriptions are fetched.
 * An ended subscription also flushes the customer's metered usage up to its end.
 */
export const subscriptionEvents: FamilyProcessor = async (context, object, type) => {
  const customer = idOf(object.customer);
  if (type === 'customer.subscription.deleted' && customer) {
    const ended = secondsOf(object.ended_at) ?? secondsOf(object.canceled_at);
    await flushMeterUsage(context, customer, ended === undefined ? new Date() : new Date(ended * 1000), 'subscription_ended');
  }
  return syncCustomerOf(object.customer, 'subscription without customer');
};

/**
 * `invoice.*`: paid, failed, action required… all feed the policy through the customer's sync.
 * `invoice.created` announces an invoice Stripe finalizes about an hour later: the customer's
 * metered usage up to the invoice's period end is flushed now, so it is on that invoice.
 */
export const invoiceEvents: FamilyProcessor = async (context, object, type) => {
  const customer = idOf(object.customer);
  if (type === 'invoice.created' && customer) {
    // The period end of a subscription invoice is the end of the usage period it bills (never after its creation).
    const created = secondsOf(object.created);
    const end = Math.min(secondsOf(object.period_end) ?? Infinity, created ?? Infinity);
    await flushMeterUsage(context, customer, Number.isFinite(end) ? new Date(end * 1000) : new Date(), 'invoice_created');
  }
  return syncCustomerOf(object.customer, 'invoice without customer');
};

/**
 * `charge.refunded`, `charge.refund.updated`, `charge.dispute.*`: refunds change access (a full
 * refund of the latest invoice revokes it), so the customer is synced. A dispute names its charge,
 * not the customer: the charge is fetched to find it.
 */
export const chargeEvents: FamilyProcessor = async (context, object) => {
  if (object.object === 'dispute' || object.object === 'refund') {
    const chargeId = idOf(object.charge);
    if (!chargeId) return { kind: 'done', note: `${String(object.object)} without charge` };
    const charge = await context.stripe.charges.retrieve(chargeId);
    return syncCustomerOf(charge.customer, 'charge without customer');
  }
  return syncCustomerOf(object.customer, 'charge without customer');
};
