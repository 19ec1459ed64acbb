import type { FamilyProcessor } from './decision.js';
import { idOf, syncCustomerOf } from './decision.js';

/** `customer.*`: the object is the customer. */
export const customerEvents: FamilyProcessor = (_context, object) => Promise.resolve(syncCustomerOf(object.id, 'customer event without id'));

/** `customer.subscription.*`: whatever the change, the customer's current subscriptions are fetched. */
export const subscriptionEvents: FamilyProcessor = (_context, object) => Promise.resolve(syncCustomerOf(object.customer, 'subscription without customer'));

/** `invoice.*`: paid, failed, action required… all feed the policy through the customer's sync. */
export const invoiceEvents: FamilyProcessor = (_context, object) => Promise.resolve(syncCustomerOf(object.customer, 'invoice without customer'));

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
