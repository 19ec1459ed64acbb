import type { EventDecision, EventObject, FamilyProcessor } from './decision.js';
import { idOf, syncCustomerOf } from './decision.js';

/** `customer.*`: the object is the customer. */
export const decideCustomer = (object: EventObject): EventDecision => syncCustomerOf(object.id, 'customer event without id');

/** `customer.subscription.*`: whatever the change, the customer's current subscriptions are fetched. */
export const decideSubscription = (object: EventObject): EventDecision => syncCustomerOf(object.customer, 'subscription without customer');

/** `invoice.*`: paid, failed, action required… all feed the policy through the customer's sync. */
export const decideInvoice = (object: EventObject): EventDecision => syncCustomerOf(object.customer, 'invoice without customer');

/** What a charge-family object decides: a sync, nothing, or (a dispute or refund names only its charge) the charge to fetch first. */
export type ChargeDecision = EventDecision | { kind: 'fetch-charge'; chargeId: string };

/**
 * `charge.refunded`, `charge.refund.updated`, `charge.dispute.*`: refunds change access (a full
 * refund of the latest invoice revokes it), so the customer is synced. A dispute or refund names
 * its charge, not the customer: the charge is fetched to find it.
 */
export function decideCharge(object: EventObject): ChargeDecision {
  if (object.object !== 'dispute' && object.object !== 'refund') return syncCustomerOf(object.customer, 'charge without customer');
  const chargeId = idOf(object.charge);
  return chargeId ? { kind: 'fetch-charge', chargeId } : { kind: 'done', note: `${String(object.object)} without charge` };
}

export const customerEvents: FamilyProcessor = (_context, object) => Promise.resolve(decideCustomer(object));
export const subscriptionEvents: FamilyProcessor = (_context, object) => Promise.resolve(decideSubscription(object));
export const invoiceEvents: FamilyProcessor = (_context, object) => Promise.resolve(decideInvoice(object));

export const chargeEvents: FamilyProcessor = async (context, object) => {
  const decision = decideCharge(object);
  if (decision.kind !== 'fetch-charge') return decision;
  const charge = await context.stripe.charges.retrieve(decision.chargeId);
  return syncCustomerOf(charge.customer, 'charge without customer');
};
